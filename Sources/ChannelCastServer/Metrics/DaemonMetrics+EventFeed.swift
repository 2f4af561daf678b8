import CoreMetrics

extension DaemonMetrics {
  /// The event feed's counters: events handed to its PUB socket
  /// (`channelcast_feed_events_published_total`), and events dropped because the publisher's
  /// queue was full (`channelcast_feed_events_dropped_total`). Made once per daemon, whether the
  /// feed is on or not, so that both always show.
  func makeEventFeedCounters() -> (published: CoreMetrics.Counter, dropped: CoreMetrics.Counter) {
    (
      CoreMetrics.Counter(label: "channelcast_feed_events_published_total", factory: factory),
      CoreMetrics.Counter(label: "channelcast_feed_events_dropped_total", factory: factory)
    )
  }
}
