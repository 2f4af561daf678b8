import ChannelCastProtocol
import Testing

@Suite("Parsing valid documents")
struct JSONParserValidDocumentTests {
  @Test func parsesTheProtocolsRequestShape() throws {
    let request = try JSONParser.parseObject(
      jsonBytes(
        #"{"op":"subscribeOfficialAccount","id":17,"userID":"user-123456","officialAccountID":"@TOA#_news"}"#
      ))
    #expect(request.count == 4)
    #expect(request.keys == ["op", "id", "userID", "officialAccountID"])
    #expect(request["op"]?.stringValue == "subscribeOfficialAccount")
    #expect(request["id"]?.int64Value == 17)
    #expect(request["userID"]?.stringValue == "user-123456")
    #expect(request["officialAccountID"]?.stringValue == "@TOA#_news")
  }

  @Test func reportsAMissingKeyAsNil() throws {
    let request = try JSONParser.parseObject(jsonBytes(#"{"op":"ping"}"#))
    #expect(request["id"] == nil)
  }

  @Test func acceptsAnEmptyObject() throws {
    let object = try JSONParser.parseObject(jsonBytes("{}"))
    #expect(object.count == 0)
    #expect(object.keys.isEmpty)
  }

  @Test(arguments: [
    ("{}", JSONValueKind.object), ("[]", .array), (#""text""#, .string), ("-1.5e3", .number),
    ("true", .bool), ("false", .bool), ("null", .null),
  ])
  func parsesEveryKindOfValue(document: String, kind: JSONValueKind) throws {
    let value = try JSONParser.parseValue(jsonBytes(document))
    #expect(value.kind == kind)
    #expect(Array(value.bytes) == jsonBytes(document))
  }

  @Test func decodesBooleansAndNull() throws {
    let object = try JSONParser.parseObject(jsonBytes(#"{"yes":true,"no":false,"nothing":null}"#))
    #expect(object["yes"]?.boolValue == true)
    #expect(object["no"]?.boolValue == false)
    #expect(object["nothing"]?.isNull == true)
    #expect(object["yes"]?.isNull == false)
  }

  @Test func accessorsForAnotherKindReturnNil() throws {
    let value = try JSONParser.parseValue(jsonBytes("42"))
    #expect(value.stringValue == nil)
    #expect(value.stringBytes == nil)
    #expect(value.boolValue == nil)
    #expect(value.arrayElements == nil)
    #expect(value.objectMembers == nil)
    #expect(try JSONParser.parseValue(jsonBytes(#""42""#)).int64Value == nil)
  }

  @Test func ignoresWhitespaceAroundEveryToken() throws {
    let object = try JSONParser.parseObject(
      jsonBytes(" \t\r\n{ \"a\" :\n[ 1 , 2 ] , \"b\"\t: { } }\n "))
    #expect(object["a"]?.arrayElements?.map(\.int64Value) == [1, 2])
    #expect(object["b"]?.objectMembers?.count == 0)
  }

  @Test func keepsTheExactBytesOfANestedPayload() throws {
    let payload = "{ \"title\" : \"Hi\\n\",\n  \"tags\": [ 1, 2.50, \"x\" ] }"
    let object = try JSONParser.parseObject(jsonBytes("{\"payload\":   \(payload)   ,\"id\":1}"))
    #expect(Array(object["payload"]!.bytes) == jsonBytes(payload))
  }

  @Test func givesTheRawBytesOfEveryScalarWithoutSurroundingWhitespace() throws {
    let object = try JSONParser.parseObject(
      jsonBytes(#"{ "s" : "a\u00e9" , "n" : -0.5E+2 , "t" : true }"#))
    #expect(Array(object["s"]!.bytes) == jsonBytes(#""a\u00e9""#))
    #expect(Array(object["n"]!.bytes) == jsonBytes("-0.5E+2"))
    #expect(Array(object["t"]!.bytes) == jsonBytes("true"))
  }

  @Test func listsArrayElementsInOrderWithTheirKinds() throws {
    let value = try JSONParser.parseValue(jsonBytes(#"[1, "two", [3], {"four": 4}, true, null]"#))
    let elements = try #require(value.arrayElements)
    #expect(elements.map(\.kind) == [.number, .string, .array, .object, .bool, .null])
    #expect(elements[1].stringValue == "two")
    #expect(elements[2].arrayElements?.first?.int64Value == 3)
    #expect(elements[3].objectMembers?["four"]?.int64Value == 4)
    #expect(Array(elements[3].bytes) == jsonBytes(#"{"four": 4}"#))
  }

  @Test func readsMembersOfNestedObjectsAtAnyDepth() throws {
    let object = try JSONParser.parseObject(jsonBytes(#"{"a":{"b":{"c":["deep"]}}}"#))
    let deep = object["a"]?.objectMembers?["b"]?.objectMembers?["c"]?.arrayElements?.first
    #expect(deep?.stringValue == "deep")
  }

  @Test func aNestedObjectLooksUpKeysOfItsOwnLevelOnly() throws {
    let object = try JSONParser.parseObject(jsonBytes(#"{"outer":{"inner":1},"inner":2}"#))
    #expect(object["inner"]?.int64Value == 2)
    #expect(object["outer"]?.objectMembers?["inner"]?.int64Value == 1)
    #expect(object["outer"]?.objectMembers?.keys == ["inner"])
  }

  @Test func acceptsAnEmptyArrayAndAnEmptyNestedObject() throws {
    let object = try JSONParser.parseObject(jsonBytes(#"{"list":[],"map":{}}"#))
    #expect(object["list"]?.arrayElements?.isEmpty == true)
    #expect(object["map"]?.objectMembers?.count == 0)
  }

  @Test func acceptsNestingExactlyAtTheDepthLimit() throws {
    let value = try JSONParser.parseValue(jsonBytes(jsonNestedInArrays("1", depth: 64)))
    #expect(value.kind == .array)
    let object = try JSONParser.parseObject(
      jsonBytes("{\"a\":" + jsonNestedInArrays("", depth: 63) + "}"))
    #expect(object.count == 1)
  }

  @Test func honoursACustomDepthLimit() throws {
    _ = try JSONParser.parseValue(jsonBytes("[[1]]"), maxDepth: 2)
    #expect(throws: JSONSyntaxError(offset: 2, reason: "nesting deeper than 2 levels")) {
      try JSONParser.parseValue(jsonBytes("[[[1]]]"), maxDepth: 2)
    }
  }

  @Test func aDeepLimitDoesNotExhaustTheStack() throws {
    let depth = 200_000
    let value = try JSONParser.parseValue(
      jsonBytes(jsonNestedInArrays("", depth: depth)), maxDepth: depth)
    #expect(value.arrayElements?.count == 1)
  }

  @Test func parsesAOneMegabyteString() throws {
    let text = String(repeating: "abcdefghé", count: 100_000)
    let value = try JSONParser.parseValue(jsonBytes("\"\(text)\""))
    #expect(value.stringValue == text)
    #expect(value.stringBytes?.count == text.utf8.count)
  }

  @Test func parsesAOneMegabyteStringWithEscapes() throws {
    let value = try JSONParser.parseValue(
      jsonBytes("\"" + String(repeating: #"ab\n\u00e9"#, count: 100_000) + "\""))
    #expect(value.stringValue == String(repeating: "ab\né", count: 100_000))
  }

  @Test func parsesAnObjectWithManyKeys() throws {
    let members = (0..<5_000).map { #""key\#($0)":\#($0)"# }.joined(separator: ",")
    let object = try JSONParser.parseObject(jsonBytes("{\(members)}"))
    #expect(object.count == 5_000)
    #expect(object["key4999"]?.int64Value == 4_999)
  }
}
