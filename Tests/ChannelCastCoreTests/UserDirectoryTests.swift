import ChannelCastProtocol
import Testing

@testable import ChannelCastCore

@Suite struct UserDirectoryTests {
  @Test func everyUserIsFoundWhileTheTableGrowsAndMovesItsEntries() {
    let directory = UserDirectory()
    for number in 0..<50_000 {
      let user = directory.intern(ByteString("user-\(number)"))
      #expect(user == UInt32(number))
      // Spot checks while a move from the retiring table may be under way.
      if number % 997 == 0 {
        for earlier in stride(from: 0, through: number, by: 101) {
          #expect(directory.lookup(ByteString("user-\(earlier)")) == UInt32(earlier))
        }
      }
    }
    for number in 0..<50_000 {
      #expect(directory.lookup(ByteString("user-\(number)")) == UInt32(number))
      #expect(directory.intern(ByteString("user-\(number)")) == UInt32(number))
    }
    #expect(directory.lookup(ByteString("nobody")) == nil)
    #expect(directory.count == 50_000)
  }

  @Test func usersCompareByUnsignedIDBytesWithAPrefixFirst() {
    let directory = UserDirectory()
    let ids: [[UInt8]] = [[], [0x61], [0x61, 0x00], [0x61, 0x62], [0x62], [0x7F], [0x80], [0xFF]]
    let users = ids.map { directory.intern(ByteString($0)) }
    for (left, leftID) in zip(users, ids) {
      for (right, rightID) in zip(users, ids) {
        #expect(directory.precedes(left, right) == leftID.lexicographicallyPrecedes(rightID))
        #expect(directory.sortsAfter(left, rightID) == rightID.lexicographicallyPrecedes(leftID))
      }
    }
  }

  /// IDs that share their first eight bytes (the order key) or differ only after them.
  @Test func usersThatTieOnTheirFirstEightBytesCompareByTheRest() {
    let directory = UserDirectory()
    let ids = ["abcdefgh", "abcdefgh\u{0}", "abcdefgh-1", "abcdefgh-10", "abcdefgh-2", "abcdefgi"]
      .map { Array($0.utf8) }
    let users = ids.map { directory.intern(ByteString($0)) }
    for (left, leftID) in zip(users, ids) {
      for (right, rightID) in zip(users, ids) {
        #expect(directory.precedes(left, right) == leftID.lexicographicallyPrecedes(rightID))
        #expect(directory.sortsAfter(left, rightID) == rightID.lexicographicallyPrecedes(leftID))
      }
      #expect(Array(directory.idBytes(left)) == leftID)
    }
  }

  @Test func topicsHoldTheIDAndANul() {
    let directory = UserDirectory()
    let user = directory.intern(ByteString("alice"))
    #expect(Array(directory.topic(of: user)) == Array("alice\0".utf8))
    #expect(directory.userID(of: user) == ByteString("alice"))
  }
}
