import ChannelCastProtocol
import Testing

@Suite("Strings and escapes")
struct JSONStringTests {
  private func decoded(_ document: String) throws -> String? {
    try JSONParser.parseValue(jsonBytes(document)).stringValue
  }

  @Test func decodesAStringWithoutEscapes() throws {
    #expect(try decoded(#""hello, wörld""#) == "hello, wörld")
  }

  @Test func decodesEverySimpleEscape() throws {
    #expect(try decoded(#""\" \\ \/ \b \f \n \r \t""#) == "\" \\ / \u{08} \u{0C} \n \r \t")
  }

  @Test func decodesUnicodeEscapesInEitherCase() throws {
    #expect(try decoded(#""\u0041\u00e9\u00E9\u4e2d""#) == "Aéé中")
  }

  @Test func decodesAnEscapedNulCharacter() throws {
    #expect(try JSONParser.parseValue(jsonBytes(#""a\u0000b""#)).stringBytes == [0x61, 0x00, 0x62])
  }

  @Test func decodesASurrogatePairIntoOneCodePoint() throws {
    let value = try JSONParser.parseValue(jsonBytes(#""\ud83d\ude00""#))
    #expect(value.stringValue == "😀")
    #expect(value.stringBytes == [0xF0, 0x9F, 0x98, 0x80])
  }

  @Test func keepsTheEscapesInTheRawBytes() throws {
    let value = try JSONParser.parseValue(jsonBytes(#""\ud83d\ude00""#))
    #expect(Array(value.bytes) == jsonBytes(#""\ud83d\ude00""#))
  }

  @Test func decodesStringBytesWithoutNormalizing() throws {
    let decomposed = "e\u{301}"
    let value = try JSONParser.parseValue(jsonBytes("\"\(decomposed)\""))
    #expect(value.stringBytes == jsonBytes(decomposed))
  }

  @Test(arguments: [
    (#""\ud800""#, 1, #"\ud800"#), (#""\udc00""#, 1, #"\udc00"#), (#""ab\uD83Dx""#, 3, #"\uD83D"#),
    (#""\ud83d\u0041""#, 1, #"\ud83d"#), (#""\ud83d\ud83d""#, 1, #"\ud83d"#),
    (#""\ude00\ud83d""#, 1, #"\ude00"#),
  ])
  func rejectsALoneSurrogate(document: String, offset: Int, escape: String) {
    #expect(
      jsonValueError(document)
        == JSONSyntaxError(offset: offset, reason: "lone surrogate \(escape)"))
  }

  @Test func rejectsAHighSurrogateAtTheEndOfTheString() {
    #expect(
      jsonValueError(#""\ud83d"#) == JSONSyntaxError(offset: 1, reason: #"lone surrogate \ud83d"#)
    )
  }

  @Test(arguments: [#""\u12""#, #""\u12G4""#, #""\u""#])
  func rejectsAUnicodeEscapeWithoutFourHexDigits(document: String) {
    #expect(
      jsonValueError(document)
        == JSONSyntaxError(
          offset: 1, reason: #"invalid escape: \u must be followed by 4 hexadecimal digits"#))
  }

  @Test func rejectsAnUnknownEscape() {
    #expect(
      jsonValueError(#""a\x""#)
        == JSONSyntaxError(offset: 2, reason: #"invalid escape: '\' followed by 'x'"#))
  }

  @Test(arguments: [UInt8(0x00), 0x01, 0x0A, 0x1F])
  func rejectsARawControlCharacter(byte: UInt8) {
    let name = "U+00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    #expect(
      jsonValueError([0x22, 0x61, byte, 0x22])
        == JSONSyntaxError(offset: 2, reason: "control character \(name) in string"))
  }

  @Test func acceptsARawDeleteCharacter() throws {
    #expect(try JSONParser.parseValue([0x22, 0x7F, 0x22]).stringBytes == [0x7F])
  }
}
