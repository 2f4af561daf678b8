import ChannelCastProtocol
import Testing

@Suite("Writing objects and arrays")
struct JSONWriterTests {
  private func text(_ bytes: [UInt8]) -> String {
    String(decoding: bytes, as: UTF8.self)
  }

  @Test func writesAnEmptyObject() {
    #expect(text(JSONObjectWriter().finished()) == "{}")
  }

  @Test func writesAnEmptyArray() {
    let array = JSONArrayWriter()
    #expect(text(array.finished()) == "[]")
    #expect(array.count == 0)
  }

  @Test func writesMembersInTheOrderTheyWereAdded() {
    var writer = JSONObjectWriter()
    writer.add("op", "reply")
    writer.add("id", 17)
    writer.add("ok", true)
    writer.add("failed", false)
    writer.addNull("error")
    #expect(
      text(writer.finished()) == #"{"op":"reply","id":17,"ok":true,"failed":false,"error":null}"#)
  }

  @Test func writesIntegersInPlainDecimal() {
    var writer = JSONObjectWriter()
    writer.add("min", Int64.min)
    writer.add("max", Int64.max)
    writer.add("zero", 0)
    writer.add("negative", -7)
    writer.add("unsigned", UInt64.max)
    #expect(
      text(writer.finished())
        == #"{"min":-9223372036854775808,"max":9223372036854775807,"zero":0,"negative":-7,"unsigned":18446744073709551615}"#
    )
  }

  @Test func escapesQuotesBackslashesAndControlCharacters() {
    var writer = JSONObjectWriter()
    writer.add("s", "\"\\\n\r\t\u{08}\u{0C}\u{00}\u{1F}")
    #expect(text(writer.finished()) == #"{"s":"\"\\\n\r\t\b\f\u0000\u001f"}"#)
  }

  @Test func leavesSlashDeleteAndNonASCIIUnescaped() {
    var writer = JSONObjectWriter()
    writer.add("s", "a/b\u{7F}é😀")
    #expect(text(writer.finished()) == "{\"s\":\"a/b\u{7F}é😀\"}")
  }

  @Test func escapesKeys() {
    var writer = JSONObjectWriter()
    writer.add("a\"b", 1)
    #expect(text(writer.finished()) == #"{"a\"b":1}"#)
  }

  @Test func writesAStringGivenAsUTF8Bytes() {
    var writer = JSONObjectWriter()
    writer.add("s", utf8: jsonBytes("tab\there"))
    writer.add("lazy", utf8: jsonBytes("x\"y").lazy.map { $0 })
    #expect(text(writer.finished()) == #"{"s":"tab\there","lazy":"x\"y"}"#)
  }

  @Test func splicesRawJSONVerbatim() throws {
    let payload = try JSONParser.parseObject(jsonBytes(#"{"payload": { "a" : [1, 2] }}"#))[
      "payload"]!
    var writer = JSONObjectWriter()
    writer.add("payload", rawJSON: payload.bytes)
    #expect(text(writer.finished()) == #"{"payload":{ "a" : [1, 2] }}"#)
  }

  @Test func nestsObjectsAndArrays() {
    var inner = JSONObjectWriter()
    inner.add("n", 1)
    var array = JSONArrayWriter()
    array.append("x")
    array.append(rawJSON: jsonBytes("2"))
    array.append(object: inner)
    var writer = JSONObjectWriter()
    writer.add("object", object: inner)
    writer.add("array", array: array)
    #expect(array.count == 3)
    #expect(text(writer.finished()) == #"{"object":{"n":1},"array":["x",2,{"n":1}]}"#)
  }

  @Test func finishingDoesNotStopFurtherAdditions() {
    var writer = JSONObjectWriter(reservingCapacity: 0)
    writer.add("a", 1)
    let first = writer.finished()
    writer.add("b", 2)
    #expect(text(first) == #"{"a":1}"#)
    #expect(text(writer.finished()) == #"{"a":1,"b":2}"#)
  }

  @Test func outputParsesBackToTheSameValues() throws {
    let tricky = "quote\" backslash\\ newline\n nul\u{0} unit\u{1F} del\u{7F} é 😀 /"
    var writer = JSONObjectWriter()
    writer.add(tricky, tricky)
    writer.add("id", Int64.min)
    let object = try JSONParser.parseObject(writer.finished())
    #expect(object[tricky]?.stringBytes == jsonBytes(tricky))
    #expect(object["id"]?.int64Value == Int64.min)
  }

  @Test func randomStringsRoundTripThroughTheParser() throws {
    var generator = SystemRandomNumberGenerator()
    let interesting: [Unicode.Scalar] = [
      "\"", "\\", "/", "\u{0}", "\u{1F}", "\u{7F}", "é", "\u{301}", "😀", "\u{FFFF}", "\u{10FFFF}",
    ]
    for _ in 0..<500 {
      var scalars = String.UnicodeScalarView()
      for _ in 0..<Int.random(in: 0..<40, using: &generator) {
        if Bool.random(using: &generator) {
          scalars.append(interesting.randomElement(using: &generator)!)
        } else {
          let value = UInt32.random(in: 0...0x10FFFF, using: &generator)
          scalars.append(Unicode.Scalar(value) ?? "?")
        }
      }
      let string = String(scalars)
      var writer = JSONObjectWriter()
      writer.add("s", string)
      var array = JSONArrayWriter()
      array.append(string)
      let object = try JSONParser.parseObject(writer.finished())
      #expect(object["s"]?.stringBytes == jsonBytes(string))
      #expect(
        try JSONParser.parseValue(array.finished()).arrayElements?.first?.stringBytes
          == jsonBytes(string))
    }
  }
}
