import ChannelCastProtocol
import Testing

@testable import ChannelCastCore

/// `SubscriberOrder`'s guarantees: users in ID byte order whatever the order of changes, a page
/// that starts right after its cursor whether or not the cursor is a member, and blocks that
/// stay more than a quarter full.
@Suite struct SubscriberOrderTests {
  private let directory = UserDirectory()

  private func users(_ names: [String]) -> [UInt32] {
    names.map { directory.intern(ByteString($0)) }
  }

  private func names(_ users: [UInt32]) -> [String] {
    users.map { directory.userID(of: $0).description }
  }

  private func byteOrder(_ names: [String]) -> [String] {
    names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
  }

  /// Every page from the start, `limit` at a time, each cursor the last user of the page before.
  private func walk(_ order: SubscriberOrder, limit: Int) -> (users: [UInt32], pages: Int) {
    var all: [UInt32] = []
    var cursor: [UInt8]?
    var pages = 0
    repeat {
      let page = order.users(after: cursor, limit: limit, by: directory)
      #expect(page.users.count == limit || !page.hasMore)
      all += page.users
      pages += 1
      cursor = page.hasMore ? directory.userID(of: page.users.last!).bytes : nil
    } while cursor != nil
    return (all, pages)
  }

  @Test func keepsUsersInIDByteOrderWhateverTheInsertOrder() {
    var order = SubscriberOrder()
    var randomness = SplitMix64(seed: 1)
    let shuffled = (0..<5000).map { "user-\($0)" }.shuffled(using: &randomness)
    for user in users(shuffled) { order.insert(user, by: directory) }
    #expect(order.count == 5000)
    let page = order.users(after: nil, limit: 5000, by: directory)
    #expect(names(page.users) == byteOrder(shuffled))
    #expect(!page.hasMore)
  }

  @Test func pagesWalkTheWholeOrderExactlyOnceForAnyLimit() {
    var order = SubscriberOrder()
    let all = (0..<3000).map { "u\($0)" }
    for user in users(all.reversed()) { order.insert(user, by: directory) }
    for limit in [1, 7, SubscriberOrder.blockCapacity, 1000, 2999, 3000, 3001] {
      let walked = walk(order, limit: limit)
      #expect(names(walked.users) == byteOrder(all), "limit \(limit)")
      #expect(walked.pages == max(1, (3000 + limit - 1) / limit), "limit \(limit)")
    }
  }

  @Test func aPageStartsRightAfterACursorThatIsOrIsNotAMember() {
    var order = SubscriberOrder()
    for user in users(["b", "d", "da", "f"]) { order.insert(user, by: directory) }
    func page(after cursor: String?, limit: Int = 2) -> ([String], Bool) {
      let page = order.users(after: cursor.map { Array($0.utf8) }, limit: limit, by: directory)
      return (names(page.users), page.hasMore)
    }
    #expect(page(after: nil) == (["b", "d"], true))
    #expect(page(after: "") == (["b", "d"], true))
    #expect(page(after: "a") == (["b", "d"], true))
    #expect(page(after: "b") == (["d", "da"], true))
    #expect(page(after: "c") == (["d", "da"], true))
    #expect(page(after: "d") == (["da", "f"], false))
    #expect(page(after: "d\u{0}") == (["da", "f"], false))
    #expect(page(after: "e", limit: 5) == (["f"], false))
    #expect(page(after: "f") == ([], false))
    #expect(page(after: "z") == ([], false))
    #expect(SubscriberOrder().users(after: nil, limit: 10, by: directory).users.isEmpty)
  }

  @Test func removeTakesOutOnlyThatUserAndRefusesAnAbsentOne() {
    var order = SubscriberOrder()
    let members = users((0..<2000).map { "m\($0)" })
    for user in members { order.insert(user, by: directory) }
    let stranger = directory.intern(ByteString("m1000x"))
    let strangerRemoved = order.remove(stranger, by: directory)
    let memberRemoved = order.remove(members[1000], by: directory)
    let memberRemovedAgain = order.remove(members[1000], by: directory)
    #expect(!strangerRemoved && memberRemoved && !memberRemovedAgain)
    #expect(order.count == 1999)
    let remaining = order.users(after: nil, limit: 2000, by: directory).users
    #expect(Set(remaining) == Set(members).subtracting([members[1000]]))
  }

  /// Random inserts and removes, with phases that grow and shrink the order through many block
  /// splits and merges, against a sorted array; random pages against the array's slices.
  @Test func matchesASortedReferenceUnderRandomOperations() {
    var order = SubscriberOrder()
    var randomness = SplitMix64(seed: 2)
    // Half the IDs share their first eight bytes, so that blocks are also found by full IDs.
    let pool = users(
      (0..<6000).map { $0 % 2 == 0 ? "r\($0 * 7919 % 6000)" : "shared-prefix-\($0 * 7919 % 6000)" })
    var reference: [UInt32] = []
    var isMember = Set<UInt32>()
    for step in 0..<24_000 {
      let growing = (step / 4000) % 2 == 0
      let user = pool[Int(randomness.next() % UInt64(pool.count))]
      if isMember.contains(user), !growing || randomness.next() % 4 == 0 {
        let removed = order.remove(user, by: directory)
        #expect(removed)
        isMember.remove(user)
        reference.remove(at: reference.firstIndex(of: user)!)
      } else if !isMember.contains(user), growing || randomness.next() % 4 == 0 {
        order.insert(user, by: directory)
        isMember.insert(user)
        let position = reference.firstIndex { directory.precedes(user, $0) } ?? reference.count
        reference.insert(user, at: position)
      }
      if step % 1000 == 0 {
        #expect(order.users(after: nil, limit: pool.count, by: directory).users == reference)
        #expect(order.neighbouringBlocksHoldMoreThanHalfABlock)
      }
      if step % 97 == 0, !reference.isEmpty {
        let start = Int(randomness.next() % UInt64(reference.count))
        let cursor = directory.userID(of: reference[start]).bytes
        let page = order.users(after: cursor, limit: 300, by: directory)
        let expected = reference[(start + 1)...].prefix(300)
        #expect(page.users == Array(expected))
        #expect(page.hasMore == (start + 1 + 300 < reference.count))
      }
    }
    #expect(order.count == reference.count)
  }

  @Test func anOrderBuiltAtOnceIsTheOrderThatInsertsBuildAndTakesChangesAfter() {
    var randomness = SplitMix64(seed: 4)
    let names = (0..<3000).map { $0 % 3 == 0 ? "b\($0)" : "same-eight-bytes-\($0)" }
    let all = users(names.shuffled(using: &randomness))
    var built = SubscriberOrder(ordering: all, by: directory)
    var inserted = SubscriberOrder()
    for user in all { inserted.insert(user, by: directory) }
    #expect(built.count == 3000)
    #expect(walk(built, limit: 1000).users == walk(inserted, limit: 1000).users)
    #expect(self.names(walk(built, limit: 333).users) == byteOrder(names))
    #expect(built.neighbouringBlocksHoldMoreThanHalfABlock)
    let newcomers = users((0..<2000).map { "newcomer-\($0)" })
    for user in newcomers { built.insert(user, by: directory) }
    for user in all.prefix(1500) { built.remove(user, by: directory) }
    let expected = byteOrder(self.names(Array(all.dropFirst(1500)) + newcomers))
    #expect(self.names(walk(built, limit: 1000).users) == expected)
    #expect(
      SubscriberOrder(ordering: [], by: directory).users(
        after: nil, limit: 5, by: directory
      )
      .users.isEmpty)
  }

  @Test func blocksStayMoreThanAQuarterFullAfterMostUsersLeave() {
    var order = SubscriberOrder()
    var randomness = SplitMix64(seed: 3)
    let members = users((0..<20_000).map { "q\($0)" })
    for user in members { order.insert(user, by: directory) }
    for user in members.shuffled(using: &randomness).prefix(19_000) {
      order.remove(user, by: directory)
    }
    #expect(order.count == 1000)
    #expect(order.neighbouringBlocksHoldMoreThanHalfABlock)
    #expect(walk(order, limit: 100).users.count == 1000)
  }
}
