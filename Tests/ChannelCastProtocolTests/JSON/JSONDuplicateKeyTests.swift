import ChannelCastProtocol
import Testing

@Suite("Duplicate keys and byte-exact key lookup")
struct JSONDuplicateKeyTests {
  @Test func rejectsADuplicateKeyAtTheSecondOccurrence() {
    #expect(
      jsonObjectError(#"{"op":"a","id":1,"op":"b"}"#)
        == JSONSyntaxError(offset: 17, reason: "duplicate key \"op\""))
  }

  @Test func rejectsADuplicateKeyInANestedPayload() {
    #expect(
      jsonObjectError(#"{"payload":[{"x":1,"x":2}]}"#)
        == JSONSyntaxError(offset: 19, reason: "duplicate key \"x\""))
  }

  @Test func rejectsKeysThatAreEqualOnceEscapesAreResolved() {
    #expect(
      jsonObjectError(#"{"op":1,"\u006fp":2}"#)
        == JSONSyntaxError(offset: 8, reason: #"duplicate key "\u006fp""#))
  }

  @Test func rejectsADuplicateAmongManyKeys() {
    let members = (0..<1_000).map { #""k\#($0)":0"# }.joined(separator: ",")
    let error = jsonObjectError("{\(members),\"k\\u0035\":1}")
    #expect(error?.reason == #"duplicate key "k\u0035""#)
  }

  @Test func acceptsTheSameKeyInDifferentObjects() throws {
    let object = try JSONParser.parseObject(
      jsonBytes(#"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#))
    #expect(object.count == 2)
  }

  @Test func acceptsAKeyReusedAfterANestedObjectCloses() throws {
    let members = (0..<40).map { #""k\#($0)":{"k\#($0)":0}"# }.joined(separator: ",")
    let object = try JSONParser.parseObject(jsonBytes("{\(members)}"))
    #expect(object.count == 40)
  }

  @Test func shortensAVeryLongDuplicateKeyInTheMessage() {
    let key = String(repeating: "é", count: 100)
    let reason = jsonObjectError("{\"\(key)\":1,\"\(key)\":2}")?.reason
    #expect(reason == "duplicate key \"" + String(repeating: "é", count: 32) + "…\"")
  }

  @Test func looksUpAKeyWrittenWithEscapes() throws {
    let object = try JSONParser.parseObject(jsonBytes(#"{"\u006fp":"ping","tab\tkey":1}"#))
    #expect(object["op"]?.stringValue == "ping")
    #expect(object["tab\tkey"]?.int64Value == 1)
    #expect(object.keys == ["op", "tab\tkey"])
  }

  @Test func distinguishesPrecomposedFromDecomposedKeys() throws {
    let precomposed = "caf\u{E9}"
    let decomposed = "cafe\u{301}"
    let object = try JSONParser.parseObject(jsonBytes("{\"\(precomposed)\":1,\"\(decomposed)\":2}"))
    #expect(object.count == 2)
    #expect(object[precomposed]?.int64Value == 1)
    #expect(object[decomposed]?.int64Value == 2)
    #expect(object.keys.map { Array($0.utf8) } == [jsonBytes(precomposed), jsonBytes(decomposed)])
  }

  @Test func doesNotMatchAKeyByPrefix() throws {
    let object = try JSONParser.parseObject(jsonBytes(#"{"userID":1}"#))
    #expect(object["user"] == nil)
    #expect(object["userIDs"] == nil)
  }
}
