import Synchronization

/// What the stress scenario's consumer received, counted by envelope type, so that the
/// `message` and `subscriberMessage` deliveries can be checked against what the replies
/// announced.
///
/// The consumer thread counts; the scenario thread reads the counts once the load is over.
final class StressDeliveryLog: Sendable {
  /// The envelope types of the protocol, in the order of the report.
  static let types = [
    "message", "messageRecalled", "officialAccountInfoChanged", "officialAccountSubscribed",
    "officialAccountUnsubscribed", "officialAccountDeleted", "subscriberMessage",
  ]

  /// Deliveries by index in `types`, and last those of no known type (uncontended: only the
  /// consumer thread counts while deliveries arrive).
  private let counts = Mutex(Array(repeating: 0, count: types.count + 1))
  private static let head = Array(#"{"v":1,"type":""#.utf8)
  private static let typeBytes = types.map { Array($0.utf8) }

  /// Counts one delivery, on the consumer thread. Every envelope starts
  /// `{"v":1,"type":"<type>"`.
  func record(envelope: UnsafeRawBufferPointer) {
    var index = Self.types.count
    if envelope.starts(with: Self.head) {
      let rest = envelope.dropFirst(Self.head.count)
      if let end = rest.firstIndex(of: UInt8(ascii: "\"")),
        let known = Self.typeBytes.firstIndex(where: { rest[..<end].elementsEqual($0) })
      {
        index = known
      }
    }
    counts.withLock { $0[index] += 1 }
  }

  /// Deliveries of `type` so far.
  func count(_ type: String) -> Int {
    guard let index = Self.types.firstIndex(of: type) else { return 0 }
    return counts.withLock { $0[index] }
  }

  /// Deliveries whose envelope had no type of the protocol.
  var unrecognized: Int { counts.withLock { $0[Self.types.count] } }

  var total: Int { counts.withLock { $0.reduce(0, +) } }

  /// Forgets what was counted (after the consumer's readiness probe).
  func reset() {
    counts.withLock { $0 = Array(repeating: 0, count: Self.types.count + 1) }
  }
}
