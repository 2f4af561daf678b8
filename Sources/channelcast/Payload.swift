import ArgumentParser
import ChannelCastProtocol
import Foundation

/// Where a message's payload comes from: JSON text as an argument, `-` for stdin, a file, or
/// plain text to send as a JSON string.
struct PayloadOptions: ParsableArguments {
  @Argument(
    help: ArgumentHelp(
      "The payload as JSON text, or - to read it from stdin. A string must be quoted: '\"hello\"'.",
      valueName: "payload"))
  var json: String?

  @Option(help: "Send this text as the payload, as a JSON string (no quoting needed).")
  var text: String?

  @Option(help: "Read the payload's JSON text from this file.", completion: .file())
  var payloadFile: String?

  func validate() throws {
    let sources = [json, text, payloadFile].compactMap { $0 }
    guard sources.count == 1 else {
      throw ValidationError(
        "give the payload exactly once: as a JSON argument, - for stdin, --text or --payload-file")
    }
  }

  /// Reads the payload and checks that it is one valid JSON value, as the daemon will. A payload
  /// that cannot be read or is not JSON is reported on stderr and ends the command with the
  /// usage-error status, before anything is sent.
  func load() throws -> Payload {
    if let text { return .text(text) }
    let source: String
    let bytes: [UInt8]
    if let payloadFile {
      source = payloadFile
      guard let contents = FileManager.default.contents(atPath: payloadFile) else {
        StandardStreams.printError("cannot read the payload file \(payloadFile)")
        throw ExitCode.validationFailure
      }
      bytes = Array(contents)
    } else if json == "-" {
      source = "the payload on stdin"
      bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
    } else {
      source = "the payload"
      bytes = Array((json ?? "").utf8)
    }
    do {
      return .json(Array(try JSONParser.parseValue(bytes).bytes))
    } catch {
      StandardStreams.printError(
        "\(source) is not valid JSON (\(error)); to send plain text, quote it as a JSON "
          + "string ('\"hello\"') or use --text")
      throw ExitCode.validationFailure
    }
  }
}

/// A payload ready to go into a request.
enum Payload {
  /// One validated JSON value, without surrounding whitespace, sent byte for byte.
  case json([UInt8])
  /// Text to send as a JSON string.
  case text(String)

  /// Adds the `payload` field to a request.
  func add(to request: inout JSONObjectWriter) {
    switch self {
    case .json(let bytes): request.add("payload", rawJSON: bytes)
    case .text(let text): request.add("payload", text)
    }
  }
}
