/// One user's subscriptions, in no order, held inline while there is just one.
///
/// Most users of a big channel subscribe to nothing else: for them an array of one would cost
/// a heap allocation of 64 bytes next to its 8-byte reference, and a second cache miss on every
/// read of the subscription (once per subscriber of a `getSubscribers` page). Inline, one
/// subscription costs 16 bytes and one read; two or more live in an array, as before.
struct UserSubscriptions: RandomAccessCollection, MutableCollection {
  typealias Element = SubscriptionIndex.UserSubscription

  private enum Storage {
    case none
    case one(Element)
    case many(ContiguousArray<Element>)
  }

  private var storage = Storage.none

  init() {}

  var startIndex: Int { 0 }

  var endIndex: Int {
    switch storage {
    case .none: 0
    case .one: 1
    case .many(let subscriptions): subscriptions.count
    }
  }

  subscript(position: Int) -> Element {
    get {
      switch storage {
      case .none: preconditionFailure("index out of range")
      case .one(let subscription):
        precondition(position == 0, "index out of range")
        return subscription
      case .many(let subscriptions): return subscriptions[position]
      }
    }
    set {
      switch storage {
      case .none: preconditionFailure("index out of range")
      case .one:
        precondition(position == 0, "index out of range")
        storage = .one(newValue)
      case .many(var subscriptions):
        // Released from `storage` first, so that the array is changed in place, not copied.
        storage = .none
        subscriptions[position] = newValue
        storage = .many(subscriptions)
      }
    }
  }

  /// The position of the subscription to `channel`, if any: one branch on the storage, then a
  /// plain scan (the collection's own `firstIndex(where:)` would branch on it for every
  /// element, and a subscribe or an unsubscribe looks through all of a user's subscriptions).
  func index(ofChannel channel: UInt32) -> Int? {
    switch storage {
    case .none: nil
    case .one(let subscription): subscription.channel == channel ? 0 : nil
    case .many(let subscriptions): subscriptions.firstIndex { $0.channel == channel }
    }
  }

  /// The subscription to `channel`, if any.
  func subscription(toChannel channel: UInt32) -> Element? {
    index(ofChannel: channel).map { self[$0] }
  }

  mutating func append(_ subscription: Element) {
    switch storage {
    case .none: storage = .one(subscription)
    case .one(let first): storage = .many([first, subscription])
    case .many(var subscriptions):
      storage = .none
      subscriptions.append(subscription)
      storage = .many(subscriptions)
    }
  }

  /// Removes the subscription at `position`; the last one takes its place.
  mutating func remove(at position: Int) {
    switch storage {
    case .none: preconditionFailure("index out of range")
    case .one:
      precondition(position == 0, "index out of range")
      storage = .none
    case .many(var subscriptions):
      storage = .none
      subscriptions.swapAt(position, subscriptions.count - 1)
      subscriptions.removeLast()
      storage = subscriptions.count == 1 ? .one(subscriptions[0]) : .many(subscriptions)
    }
  }
}
