import ChannelCastProtocol
import Testing

@Suite("UTF-8 validation")
struct JSONUTF8ValidationTests {
  /// `bytes` inside a string, inside an object member, so the offset of `bytes` is 6.
  private func stringError(_ bytes: [UInt8]) -> JSONSyntaxError? {
    jsonValueError(jsonBytes(#"{"k":""#) + bytes + jsonBytes(#""}"#))
  }

  @Test(
    arguments: [
      [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
      [0xF0, 0x90, 0x80, 0x80],
      [0xF4, 0x8F, 0xBF, 0xBF],
    ] as [[UInt8]])
  func acceptsWellFormedSequences(bytes: [UInt8]) throws {
    #expect(stringError(bytes) == nil)
    #expect(try JSONParser.parseValue([0x22] + bytes + [0x22]).stringBytes == bytes)
  }

  @Test(
    arguments: [
      [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF],
    ] as [[UInt8]])
  func rejectsOverlongEncodings(bytes: [UInt8]) {
    #expect(stringError(bytes) == JSONSyntaxError(offset: 6, reason: "invalid UTF-8"))
  }

  @Test(arguments: [[0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF]] as [[UInt8]])
  func rejectsSurrogatesEncodedInUTF8(bytes: [UInt8]) {
    #expect(stringError(bytes) == JSONSyntaxError(offset: 6, reason: "invalid UTF-8"))
  }

  @Test(arguments: [[0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF]] as [[UInt8]])
  func rejectsCodePointsBeyondU10FFFF(bytes: [UInt8]) {
    #expect(stringError(bytes) == JSONSyntaxError(offset: 6, reason: "invalid UTF-8"))
  }

  @Test(arguments: [[0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98]] as [[UInt8]])
  func rejectsTruncatedSequences(bytes: [UInt8]) {
    #expect(stringError(bytes) == JSONSyntaxError(offset: 6, reason: "invalid UTF-8"))
  }

  @Test func rejectsATruncatedSequenceAtTheEndOfTheInput() {
    #expect(
      jsonValueError([0x22, 0x61, 0xE2, 0x82])
        == JSONSyntaxError(offset: 2, reason: "invalid UTF-8"))
  }

  @Test func rejectsALoneContinuationByte() {
    #expect(stringError([0x61, 0x80]) == JSONSyntaxError(offset: 7, reason: "invalid UTF-8"))
  }

  @Test func rejectsInvalidUTF8OutsideStrings() {
    #expect(
      jsonValueError([0x5B, 0xFF, 0x5D]) == JSONSyntaxError(offset: 1, reason: "invalid UTF-8"))
    #expect(
      jsonValueError([0x7B, 0x7D, 0x20, 0xC3])
        == JSONSyntaxError(offset: 3, reason: "trailing characters after the value"))
  }

  @Test func rejectsValidNonASCIIOutsideStringsAsAnUnexpectedCharacter() {
    #expect(
      jsonValueError("[é]")
        == JSONSyntaxError(offset: 1, reason: "unexpected character U+00E9, expected a value"))
  }

  @Test func rejectsInvalidUTF8InAKey() {
    #expect(
      jsonValueError([0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D])
        == JSONSyntaxError(offset: 2, reason: "invalid UTF-8"))
  }
}
