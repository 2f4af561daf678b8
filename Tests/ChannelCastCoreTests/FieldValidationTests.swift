import ChannelCastProtocol
import Testing

@testable import ChannelCastCore

@Suite struct FieldValidationTests {
  private func error(_ body: () throws(ChannelCastError) -> Void) -> ChannelCastError? {
    do {
      try body()
      return nil
    } catch {
      return error
    }
  }

  @Test func acceptsAWellFormedOfficialAccountID() throws {
    try FieldValidation.officialAccountID(ByteString("@TOA#_news"))
    try FieldValidation.officialAccountID(ByteString("@TOA#_" + String(repeating: "x", count: 42)))
  }

  @Test func rejectsAnOfficialAccountIDWithoutThePrefix() {
    let failure = error { () throws(ChannelCastError) in
      try FieldValidation.officialAccountID(ByteString("news"))
    }
    #expect(failure?.code == .invalidArgument)
    #expect(failure?.details.field == "officialAccountID")
  }

  @Test func rejectsTheBarePrefix() {
    #expect(
      error { () throws(ChannelCastError) in
        try FieldValidation.officialAccountID(ByteString("@TOA#_"))
      } != nil)
  }

  @Test func rejectsAnOfficialAccountIDOver48BytesNamingSizeAndLimit() {
    let failure = error { () throws(ChannelCastError) in
      try FieldValidation.officialAccountID(
        ByteString("@TOA#_" + String(repeating: "x", count: 43)))
    }
    #expect(failure?.details.limit == 48)
    #expect(failure?.details.size == 49)
    #expect(failure?.message == "officialAccountID is 49 bytes; the limit is 48")
  }

  @Test(arguments: [
    "@TOA#_a b", "@TOA#_a\tb", "@TOA#_a*", "@TOA#_a\u{0}", "@TOA#_a\u{85}", "@TOA#_a\u{3000}",
  ])
  func rejectsWhitespaceControlAndWildcardInOfficialAccountIDs(_ id: String) {
    #expect(
      error { () throws(ChannelCastError) in try FieldValidation.officialAccountID(ByteString(id)) }
        != nil)
  }

  @Test func countsUserIDLimitsInUTF8Bytes() throws {
    try FieldValidation.userID(ByteString(String(repeating: "é", count: 32)))  // 64 bytes
    let failure = error { () throws(ChannelCastError) in
      try FieldValidation.userID(ByteString(String(repeating: "é", count: 32) + "a"))
    }
    #expect(failure?.details.size == 65)
  }

  @Test(arguments: ["", "a\u{0}b", "a\nb", "\u{7F}"])
  func rejectsEmptyAndControlCharacterUserIDs(_ id: String) {
    #expect(
      error { () throws(ChannelCastError) in try FieldValidation.userID(ByteString(id)) } != nil)
  }

  @Test func acceptsUserIDsWithSpacesAndAsterisks() throws {
    try FieldValidation.userID(ByteString("alice smith*"))
  }

  @Test func comparesIdentifiersByBytesNotUnicodeEquivalence() {
    let precomposed = ByteString("caf\u{E9}")
    let decomposed = ByteString("cafe\u{301}")
    #expect("caf\u{E9}" == "cafe\u{301}")  // Swift String equality would merge them
    #expect(precomposed != decomposed)
    #expect(precomposed.hashValue != decomposed.hashValue || precomposed != decomposed)
  }
}
