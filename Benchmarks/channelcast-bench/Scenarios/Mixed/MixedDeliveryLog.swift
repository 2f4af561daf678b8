import Foundation
import Histogram
import Synchronization

/// What the mixed scenario's consumer saw: the latency of every delivery, from the send time the
/// payload carries to its arrival, overall and for small channels; and for every broadcast, when
/// its first and last delivery arrived and how many did.
///
/// The consumer thread records each delivery and the scenario thread takes the results after a
/// run has gone quiet; a mutex (uncontended while a run is measured) hands them over.
final class MixedDeliveryLog: Sendable {
  /// The deliveries of one broadcast, in monotonic nanoseconds.
  struct Arrivals {
    var first: UInt64
    var last: UInt64
    var count: Int
  }

  /// Everything recorded since the last `take()`.
  struct Results {
    /// Delivery latencies in microseconds (payload send time to arrival, wall clock).
    var latency = Self.histogram()
    var smallChannelLatency = Self.histogram()
    /// Each broadcast's arrivals, in the order of their first delivery.
    private(set) var arrivals: [Arrivals] = []
    /// Where a broadcast's arrivals are, keyed by `MixedDeliveryLog.key(channel:seq:)`.
    private var arrivalIndex: [UInt64: Int] = [:]
    var messages = 0
    /// Deliveries that are not this scenario's messages (events, the readiness probe).
    var others = 0

    /// The arrivals of the broadcast with this key, if any of its deliveries came.
    func arrivals(key: UInt64) -> Arrivals? {
      arrivalIndex[key].map { arrivals[$0] }
    }

    /// Where the arrivals of the broadcast with this key are kept, made on its first delivery.
    fileprivate mutating func arrivalsPosition(key: UInt64, firstArrival: UInt64) -> Int {
      if let position = arrivalIndex[key] { return position }
      arrivals.append(Arrivals(first: firstArrival, last: firstArrival, count: 0))
      arrivalIndex[key] = arrivals.count - 1
      return arrivals.count - 1
    }

    fileprivate mutating func recordArrival(at position: Int, time: UInt64, count: Int) {
      arrivals[position].last = time
      arrivals[position].count += count
    }

    private static func histogram() -> Histogram<UInt64> {
      // Up to an hour, in microseconds: any real latency fits.
      Histogram(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }
  }

  /// What one `message` envelope said, kept for the deliveries after it: the deliveries of a
  /// broadcast arrive in runs sharing one envelope, and comparing bytes is cheaper than
  /// searching them again.
  private struct ReadEnvelope {
    var bytes: [UInt8]
    var sendTime: Int
    var isSmallChannel: Bool
    /// Where its broadcast's arrivals are in `Results.arrivals`.
    var arrivalsPosition: Int

    func matches(_ envelope: UnsafeRawBufferPointer) -> Bool {
      bytes.count == envelope.count
        && bytes.withUnsafeBytes {
          memcmp($0.baseAddress!, envelope.baseAddress!, bytes.count) == 0
        }
    }
  }

  /// The consumer thread's record and the envelope it read last (nil after `take()`).
  private struct State {
    var results = Results()
    var lastEnvelope: ReadEnvelope?
    /// Wall-clock microseconds minus monotonic ones, taken afresh for each run: a delivery's
    /// wall-clock arrival is its monotonic arrival plus this, one clock read instead of two.
    var wallClockOffset = WallClock.microseconds() - Int64(MonotonicClock.nanoseconds() / 1000)
  }

  private let state = Mutex(State())
  private let isSmallChannel: [Bool]

  init(channelSizes: [Int], smallChannelLimit: Int) {
    isSmallChannel = channelSizes.map { $0 <= smallChannelLimit }
  }

  /// A broadcast's identity as both the reply and the envelope tell it.
  static func key(channel: Int, seq: Int) -> UInt64 { UInt64(channel) << 32 | UInt64(seq) }

  /// Reads one delivery on the consumer thread. The scenario's `message` envelopes carry
  /// `"seq":N` and the payload bytes unchanged, `"payload":{"t":T,"c":C}`, so two byte searches
  /// find everything without parsing the JSON; an envelope the same as the one before is not
  /// searched again.
  func record(envelope: UnsafeRawBufferPointer, arrival: UInt64) {
    record(envelope: envelope, recipients: 1, arrival: arrival)
  }

  /// Reads one gateway batch: `recipients` deliveries of one envelope, arrived together.
  func record(envelope: UnsafeRawBufferPointer, recipients: Int, arrival: UInt64) {
    state.withLock { state in
      let now = Int64(arrival / 1000) + state.wallClockOffset
      if state.lastEnvelope?.matches(envelope) != true {
        state.lastEnvelope = read(envelope, arrival: arrival, into: &state.results)
      }
      guard let message = state.lastEnvelope else {
        state.results.others += recipients
        return
      }
      let latency = UInt64(max(now - Int64(message.sendTime), 0))
      state.results.messages += recipients
      state.results.latency.record(latency, count: UInt64(recipients))
      if message.isSmallChannel {
        state.results.smallChannelLatency.record(latency, count: UInt64(recipients))
      }
      state.results.recordArrival(at: message.arrivalsPosition, time: arrival, count: recipients)
    }
  }

  /// Searches a new envelope; nil if it is not one of the scenario's messages.
  private func read(
    _ envelope: UnsafeRawBufferPointer, arrival: UInt64, into results: inout Results
  )
    -> ReadEnvelope?
  {
    guard let seq = Self.integer(after: Self.seqMarker, in: envelope),
      let sendTime = Self.integer(after: Self.payloadMarker, in: envelope),
      let channel = Self.integer(after: Self.channelMarker, in: envelope, from: sendTime.end),
      channel.value >= 0, channel.value < isSmallChannel.count
    else { return nil }
    return ReadEnvelope(
      bytes: Array(envelope), sendTime: sendTime.value,
      isSmallChannel: isSmallChannel[channel.value],
      arrivalsPosition: results.arrivalsPosition(
        key: Self.key(channel: channel.value, seq: seq.value), firstArrival: arrival))
  }

  /// Returns what was recorded and starts afresh.
  func take() -> Results {
    state.withLock { state in
      defer { state = State() }
      return state.results
    }
  }

  private static let seqMarker = Array(#""seq":"#.utf8)
  private static let payloadMarker = Array(#""payload":{"t":"#.utf8)
  private static let channelMarker = Array(#","c":"#.utf8)

  /// The non-negative integer right after the first `marker` in `bytes` from offset `from`,
  /// and the offset where it ends.
  private static func integer(
    after marker: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int = 0
  ) -> (value: Int, end: Int)? {
    guard var position = offset(after: marker, in: bytes, from: from) else { return nil }
    let start = position
    var value = 0
    while position < bytes.count, (48...57).contains(bytes[position]) {
      value = value * 10 + Int(bytes[position] - 48)
      position += 1
    }
    return position > start ? (value, position) : nil
  }

  /// The offset just past the first `marker` in `bytes` at or after `from`. `memchr` finds
  /// candidates for the marker's first byte and `memcmp` checks the rest: the consumer runs this
  /// for every delivery, and a byte-by-byte scan made it the bottleneck of the scenario.
  private static func offset(after marker: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int)
    -> Int?
  {
    guard let base = bytes.baseAddress, !marker.isEmpty else { return nil }
    var candidate = from
    while candidate + marker.count <= bytes.count {
      guard
        let found = memchr(
          base + candidate, Int32(marker[0]), bytes.count - marker.count + 1 - candidate)
      else { return nil }
      candidate = base.distance(to: UnsafeRawPointer(found))
      let matches = marker.withUnsafeBytes {
        memcmp(base + candidate, $0.baseAddress!, marker.count) == 0
      }
      if matches { return candidate + marker.count }
      candidate += 1
    }
    return nil
  }
}
