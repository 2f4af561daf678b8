/// The topics the delivery socket's consumers subscribe to, as XPUB reports them: a message
/// `[1] + topic` when a topic gets its first subscriber, `[0] + topic` when its last one leaves
/// (unsubscribing or disconnecting).
///
/// It tells the two kinds of delivery that no consumer took apart: one whose user no consumer
/// subscribes to (a user not online), which is not a loss, and one that a subscribed consumer
/// missed because libzmq had cut it off, which the `drop` policy counts as dropped.
struct SubscribedTopics {
  /// Hashes of whole-user topics (ending in NUL), nearly all of them. A 64-bit hash keeps a
  /// million gateway subscriptions in about 16 MB; two topics share one with a probability of
  /// about 10^-7 in a million.
  private var userTopics: Set<UInt64> = []
  /// Any other prefix (`""` subscribes to everything): few, and checked only when present.
  private var prefixes: [[UInt8]] = []

  var count: Int { userTopics.count + prefixes.count }

  /// Applies one subscription message read from the XPUB socket; ignores anything else.
  mutating func apply(_ message: UnsafeRawBufferPointer) {
    guard let kind = message.first, kind <= 1 else { return }
    let topic = UnsafeRawBufferPointer(rebasing: message.dropFirst())
    if topic.last == 0 {
      let hash = Self.hash(topic)
      if kind == 1 { userTopics.insert(hash) } else { userTopics.remove(hash) }
    } else if kind == 1 {
      prefixes.append(Array(topic))
    } else if let index = prefixes.firstIndex(where: { $0.elementsEqual(topic) }) {
      prefixes.remove(at: index)
    }
  }

  /// Whether some consumer subscribes to deliveries of `topic`.
  func isSubscribed(_ topic: UnsafeRawBufferPointer) -> Bool {
    if userTopics.contains(Self.hash(topic)) { return true }
    return prefixes.contains { prefix in
      prefix.count <= topic.count && prefix.elementsEqual(topic.prefix(prefix.count))
    }
  }

  private static func hash(_ topic: UnsafeRawBufferPointer) -> UInt64 {
    var hasher = Hasher()
    hasher.combine(bytes: topic)
    return UInt64(bitPattern: Int64(hasher.finalize()))
  }
}
