import ChannelCastCore
import CoreMetrics
import Logging
import ZeroMQ

/// The event feed (`eventsEndpoint`): a PUB socket that publishes every journaled record as two
/// frames, the event type as the topic and the event's JSON (docs/protocol.md, Event feed).
///
/// Ownership: the socket is made, bound, used and closed by the `cc-events` thread alone; the
/// command thread reaches it only through the bounded `queue`, whose records the thread encodes
/// and sends in `logSeq` order.
///
/// What is lost, and where it shows: a queue that is full drops the records that do not fit
/// (`EventFeedRecorder`); a subscriber whose libzmq queue holds `highWaterMark` events misses
/// the next ones (PUB drops at the mark, silently). Either way the subscriber sees a jump in
/// `logSeq` and resynchronises; neither holds up a request.
final class EventPublisher: Sendable {
  /// Records waiting between the command thread and this thread: fifty 1,000-user batch
  /// subscribes in one run of requests, while the thread, on the other core, sends faster than
  /// the command thread journals. About 10 MB of subscribe records; a message's record holds
  /// its payload (at most `maxPayloadBytes`).
  static let queueCapacity = 50_000
  /// Events libzmq queues per subscriber before it drops that subscriber's next ones (PUB drops
  /// at the mark, silently). Ten 1,000-user batch subscribes' worth: a subscriber that reads
  /// keeps up, and one that stops reading costs a few megabytes of small events (at most
  /// 10,000 payloads of `maxPayloadBytes`), not the daemon's memory.
  static let highWaterMark: Int32 = 10_000
  /// How long, at a clean stop, the events already sent get to reach the subscribers.
  static let lingerMilliseconds: Int32 = 1_000
  /// How long the thread waits for records before checking whether it is asked to stop.
  private static let idleWaitMilliseconds = 100

  /// What the command thread hands committed records to.
  let queue: EventFeedQueue
  /// The `cc-events` thread, which its `DaemonPartService` ends.
  let thread: DedicatedThread

  /// Binds the PUB socket (a CURVE server admitting admins when `security` is given) and starts
  /// publishing what `queue` receives.
  init(
    context: ZMQContext, endpoint: String, security: CurveSecurity?,
    publishedEvents: CoreMetrics.Counter?, droppedEvents: CoreMetrics.Counter?, logger: Logger
  ) throws {
    let queue = EventFeedQueue(capacity: Self.queueCapacity, droppedEvents: droppedEvents)
    self.queue = queue
    thread = try DedicatedThread.start(
      name: "cc-events",
      setUp: {
        let socket = try Socket(context: context, type: .pub)
        try security?.secure(socket, domain: ClientRegistry.eventsDomain)
        try socket.setOption(.sendHighWaterMark, Self.highWaterMark)
        try socket.setOption(.linger, Self.lingerMilliseconds)
        try socket.bind(endpoint)
        return socket
      },
      serve: { socket, thread in
        defer { socket.close() }
        try Self.publish(
          from: queue, to: socket, until: thread, publishedEvents: publishedEvents)
        logger.debug("events publisher stopped")
      })
  }

  /// Publishes until asked to stop, then what is still queued (the command server, which stops
  /// first, has committed its last records by then).
  private static func publish(
    from queue: EventFeedQueue, to socket: Socket, until thread: DedicatedThread,
    publishedEvents: CoreMetrics.Counter?
  ) throws {
    while true {
      let stopping = thread.isStopRequested
      if stopping { queue.close() }
      let entries = queue.takeAll(waitingUpTo: stopping ? 0 : idleWaitMilliseconds)
      for entry in entries {
        guard let event = entry.record.feedEvent(logSeq: entry.logSeq, timeMs: entry.timeMs)
        else { continue }
        // A PUB socket never blocks: at a subscriber's high-water mark libzmq drops for it.
        _ = try socket.sendMultipart([Array(event.type.name.utf8), event.json])
      }
      if !entries.isEmpty { publishedEvents?.increment(by: Int64(entries.count)) }
      if stopping && entries.isEmpty { return }
    }
  }
}

extension EventPublisher {
  /// The publisher of `configuration.eventsEndpoint`, bound and publishing; nil when the
  /// setting is empty (the feed is off). Its metrics show either way.
  static func startIfConfigured(
    _ configuration: DaemonConfiguration, context: ZMQContext, security: CurveSecurity?,
    metrics: DaemonMetrics, logger: Logger
  ) throws -> EventPublisher? {
    let counters = metrics.makeEventFeedCounters()
    guard !configuration.eventsEndpoint.isEmpty else { return nil }
    return try EventPublisher(
      context: context, endpoint: configuration.eventsEndpoint, security: security,
      publishedEvents: counters.published, droppedEvents: counters.dropped, logger: logger)
  }
}
