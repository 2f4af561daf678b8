import ChannelCastProtocol
import Testing

@Suite("Numbers")
struct JSONNumberTests {
  @Test(arguments: [
    "0", "-0", "1", "-1", "10", "0.5", "-0.0", "1e5", "1E5", "1e+5", "1e-5", "2.5E-3", "1e400",
  ])
  func acceptsNumbersOfTheRFCGrammar(document: String) throws {
    let value = try JSONParser.parseValue(jsonBytes(document))
    #expect(value.kind == .number)
    #expect(Array(value.bytes) == jsonBytes(document))
  }

  @Test func readsIntegers() throws {
    #expect(try JSONParser.parseValue(jsonBytes("17")).int64Value == 17)
    #expect(try JSONParser.parseValue(jsonBytes("-42")).int64Value == -42)
    #expect(try JSONParser.parseValue(jsonBytes("0")).int64Value == 0)
  }

  @Test func readsNegativeZeroAsZero() throws {
    #expect(try JSONParser.parseValue(jsonBytes("-0")).int64Value == 0)
  }

  @Test func readsTheExtremesOfInt64() throws {
    #expect(try JSONParser.parseValue(jsonBytes("9223372036854775807")).int64Value == .max)
    #expect(try JSONParser.parseValue(jsonBytes("-9223372036854775808")).int64Value == .min)
  }

  @Test(arguments: [
    "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
  ])
  func givesNoInt64ForIntegersBeyondItsRange(document: String) throws {
    let value = try JSONParser.parseValue(jsonBytes(document))
    #expect(value.kind == .number)
    #expect(value.int64Value == nil)
  }

  @Test(arguments: ["1.0", "1e3", "1E3", "-0.0", "1e400", "0.5"])
  func givesNoInt64ForNumbersWithAFractionOrExponent(document: String) throws {
    #expect(try JSONParser.parseValue(jsonBytes(document)).int64Value == nil)
  }

  @Test(arguments: [("01", 0), ("-01", 1), ("00", 0), ("[1,007]", 3)])
  func rejectsLeadingZeros(document: String, offset: Int) {
    #expect(
      jsonValueError(document)
        == JSONSyntaxError(offset: offset, reason: "leading zeros are not allowed"))
  }

  @Test func rejectsADecimalPointWithoutDigitsAfterIt() {
    #expect(
      jsonValueError("1.")
        == JSONSyntaxError(offset: 2, reason: "expected a digit after the decimal point"))
    #expect(
      jsonValueError("1.e5")
        == JSONSyntaxError(offset: 2, reason: "expected a digit after the decimal point"))
  }

  @Test func rejectsAMinusSignAlone() {
    #expect(
      jsonValueError("-") == JSONSyntaxError(offset: 1, reason: "expected a digit after '-'"))
    #expect(
      jsonValueError("-a") == JSONSyntaxError(offset: 1, reason: "expected a digit after '-'"))
  }

  @Test(arguments: ["1e", "1e+", "1E-", "1ex"])
  func rejectsAnExponentWithoutDigits(document: String) {
    #expect(jsonValueError(document)?.reason == "expected a digit in the exponent")
  }

  @Test(arguments: [".5", "+1", "0x10", "Infinity", "-Infinity"])
  func rejectsNumbersOutsideTheGrammar(document: String) {
    #expect(jsonValueError(document) != nil)
  }
}
