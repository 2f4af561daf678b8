import ChannelCastProtocol
import Testing

@Suite("Rejecting malformed documents")
struct JSONParserErrorTests {
  @Test func rejectsEmptyInput() {
    #expect(jsonValueError("") == JSONSyntaxError(offset: 0, reason: "the input is empty"))
  }

  @Test func rejectsWhitespaceOnlyInput() {
    #expect(
      jsonValueError(" \n\t ")
        == JSONSyntaxError(offset: 0, reason: "the input contains only whitespace"))
  }

  @Test func describesAnErrorWithItsReasonAndOffset() {
    let error = JSONSyntaxError(offset: 7, reason: "unterminated string")
    #expect(error.description == "unterminated string at byte 7")
  }

  @Test(arguments: [
    ("[1,2]", "an array"), (#""op""#, "a string"), ("17", "a number"), ("true", "a boolean"),
    ("null", "null"),
  ])
  func rejectsARequestThatIsNotAnObject(document: String, kind: String) {
    #expect(
      jsonObjectError(" " + document)
        == JSONSyntaxError(offset: 1, reason: "the request must be a JSON object, not \(kind)"))
  }

  @Test func reportsASyntaxErrorBeforeTheWrongTopLevelKind() {
    #expect(
      jsonObjectError("[1,]")
        == JSONSyntaxError(offset: 3, reason: "unexpected character ']', expected a value"))
  }

  @Test func rejectsTrailingCharacters() {
    #expect(
      jsonObjectError(#"{"a":1} x"#)
        == JSONSyntaxError(offset: 8, reason: "trailing characters after the value"))
    #expect(
      jsonValueError("1 2")
        == JSONSyntaxError(offset: 2, reason: "trailing characters after the value"))
  }

  @Test func rejectsASecondTopLevelObject() {
    #expect(
      jsonObjectError("{}{}")
        == JSONSyntaxError(offset: 2, reason: "trailing characters after the value"))
  }

  @Test func rejectsATrailingCommaInAnObject() {
    #expect(
      jsonObjectError(#"{"a":1,}"#)
        == JSONSyntaxError(offset: 7, reason: "unexpected character '}', expected a string key"))
  }

  @Test func rejectsATrailingCommaInAnArray() {
    #expect(
      jsonValueError("[1,]")
        == JSONSyntaxError(offset: 3, reason: "unexpected character ']', expected a value"))
  }

  @Test func rejectsAMissingColon() {
    #expect(
      jsonObjectError(#"{"a" 1}"#)
        == JSONSyntaxError(offset: 5, reason: "unexpected character '1', expected ':'"))
  }

  @Test func rejectsAMissingComma() {
    #expect(
      jsonObjectError(#"{"a":1 "b":2}"#)
        == JSONSyntaxError(offset: 7, reason: "unexpected character '\"', expected ',' or '}'"))
    #expect(
      jsonValueError("[1 2]")
        == JSONSyntaxError(offset: 3, reason: "unexpected character '2', expected ',' or ']'"))
  }

  @Test func rejectsAKeyThatIsNotAString() {
    #expect(
      jsonObjectError("{op:1}")
        == JSONSyntaxError(offset: 1, reason: "unexpected character 'o', expected a string key"))
  }

  @Test func rejectsMismatchedBrackets() {
    #expect(
      jsonValueError("[1}")
        == JSONSyntaxError(offset: 2, reason: "unexpected character '}', expected ',' or ']'"))
  }

  @Test(arguments: [("{", 1), (#"{"a""#, 4), (#"{"a":"#, 5), (#"{"a":1"#, 6), ("[", 1), ("[1,", 3)])
  func rejectsATruncatedDocumentAtItsEnd(document: String, offset: Int) {
    let error = jsonValueError(document)
    #expect(error?.offset == offset)
    #expect(error?.reason.hasPrefix("unexpected end of input, expected ") == true)
  }

  @Test func rejectsAnUnterminatedStringAtItsOpeningQuote() {
    #expect(
      jsonObjectError(#"{"a":"abc"#) == JSONSyntaxError(offset: 5, reason: "unterminated string"))
    #expect(
      jsonValueError(#""abc\"#) == JSONSyntaxError(offset: 0, reason: "unterminated string"))
  }

  @Test(arguments: ["tru", "nul", "falsy", "True", "nan"])
  func rejectsMisspelledLiterals(document: String) {
    #expect(jsonValueError(document)?.offset == 0)
  }

  @Test func namesTheExpectedLiteral() {
    #expect(
      jsonValueError("[tru]")
        == JSONSyntaxError(offset: 1, reason: "invalid literal, expected 'true'"))
  }

  @Test func rejectsAnUnexpectedCharacterWhereAValueShouldBe() {
    #expect(
      jsonObjectError(#"{"a":}"#)
        == JSONSyntaxError(offset: 5, reason: "unexpected character '}', expected a value"))
  }

  @Test func namesAnInvisibleUnexpectedCharacterByItsCodePoint() {
    #expect(
      jsonValueError("[\u{0B}]")
        == JSONSyntaxError(offset: 1, reason: "unexpected character U+000B, expected a value"))
    #expect(
      jsonValueError("\u{FEFF}{}")
        == JSONSyntaxError(offset: 0, reason: "unexpected character U+FEFF, expected a value"))
  }

  @Test func rejectsNestingOneLevelPastTheLimit() {
    #expect(
      jsonValueError(jsonNestedInArrays("1", depth: 65))
        == JSONSyntaxError(offset: 64, reason: "nesting deeper than 64 levels"))
  }

  @Test func countsObjectsAndArraysTogetherTowardsTheDepth() {
    let document = "{\"a\":" + jsonNestedInArrays("", depth: 64) + "}"
    #expect(
      jsonObjectError(document)
        == JSONSyntaxError(offset: 68, reason: "nesting deeper than 64 levels"))
  }

  @Test func countsAnEmptyContainerTowardsTheDepth() {
    #expect(
      jsonValueError(jsonNestedInArrays("{}", depth: 64))?.reason == "nesting deeper than 64 levels"
    )
  }
}
