import ChannelCastProtocol
import Foundation

/// A scenario's result: its figures, the settings it ran with, further tables and notes;
/// printed as Markdown and written as JSON.
struct Report: Codable {
  /// A table of its own after the figures, for results that are not one number per run (the
  /// stress scenario's requests by kind, its memory samples).
  struct Table: Codable {
    let title: String
    let columns: [String]
    let rows: [[String]]

    var markdown: [String] {
      [
        "#### \(title)", "",
        "| " + columns.joined(separator: " | ") + " |",
        "|" + columns.indices.map { $0 == 0 ? "---|" : "---:|" }.joined(),
      ] + rows.map { "| " + $0.joined(separator: " | ") + " |" }
    }
  }

  let scenario: String
  let runs: Int
  let settings: [String: String]
  let figures: [Figure]
  let tables: [Table]
  let notes: [String]
  let machine: String

  init(
    scenario: String, runs: Int, settings: [String: String], figures: [Figure],
    tables: [Table] = [], notes: [String] = []
  ) {
    self.scenario = scenario
    self.runs = runs
    self.settings = settings
    self.figures = figures
    self.tables = tables
    self.notes = notes
    self.machine = Report.machineDescription()
  }

  /// The Markdown table: one row per figure with median, min, max and spread.
  var markdown: String {
    var lines = [
      "### \(scenario) (\(runs) run\(runs == 1 ? "" : "s"))", "",
      settings.isEmpty
        ? ""
        : settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
          separator: ", "),
      "",
      "| figure | median | min | max | spread | unit |",
      "|---|---:|---:|---:|---:|---|",
    ]
    for figure in figures {
      lines.append(
        "| \(figure.name) | \(Self.format(figure.median)) | \(Self.format(figure.minimum)) "
          + "| \(Self.format(figure.maximum)) | \(String(format: "%.0f%%", figure.spreadPercent)) "
          + "| \(figure.unit) |")
    }
    for table in tables {
      lines.append("")
      lines += table.markdown
    }
    if !notes.isEmpty {
      lines.append("")
      lines += notes.map { "- \($0)" }
    }
    lines.append("")
    lines.append("Machine: \(machine)")
    return lines.joined(separator: "\n")
  }

  /// Prints the table and, when asked, writes the JSON file.
  func publish(jsonPath: String?) throws {
    print(markdown)
    print("")
    if let jsonPath {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      // A figure that could not be measured is NaN, which JSON has no number for.
      encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
      try encoder.encode(self).write(to: URL(fileURLWithPath: jsonPath))
    }
  }

  static func format(_ value: Double) -> String {
    if value.isNaN { return "–" }
    if abs(value) >= 1000 { return String(format: "%.0f", value) }
    if abs(value) >= 10 { return String(format: "%.1f", value) }
    return String(format: "%.3f", value)
  }

  /// CPU model, core count and memory, from /proc.
  static func machineDescription() -> String {
    let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model =
      cpuInfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
      .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
      ?? "unknown CPU"
    let memory = ProcessInfo.processInfo.physicalMemory / (1 << 30)
    return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(memory) GiB, "
      + "Linux \(ProcessInfo.processInfo.operatingSystemVersionString)"
  }
}
