import ChannelCastStorage
import Foundation

/// `channelcastd --repair`: makes a damaged data directory loadable again, keeping a copy of
/// everything it cuts off.
///
/// The first journal (from the latest snapshot on) with a bad record is copied aside and cut at
/// that record; the journals after it are set aside whole, because their records build on what
/// was cut. The report says how many records were dropped.
public struct DataDirectoryRepair {
  public let path: String

  public init(path: String) {
    self.path = path
  }

  /// Repairs the directory (holding its lock meanwhile) and returns the report for the operator.
  public func run() throws -> String {
    let directory = try DataDirectory(path: path)
    defer { directory.unlock() }
    let base = try directory.snapshotGenerations().last ?? 0
    let journals = try directory.journalGenerations().filter { $0 >= base }
    var lines: [String] = []
    var dropped = 0
    var damaged: Int?
    for (position, generation) in journals.enumerated() {
      guard
        let repair = try JournalRepair.repair(
          path: directory.journalPath(generation), kind: .journal,
          newestFormatVersion: DurableFormat.journalVersion)
      else { continue }
      lines.append(
        "\(repair.path): bad record at offset \(repair.truncatedAt); copied to "
          + "\(repair.copyPath) and cut there, dropping \(repair.droppedRecords) records "
          + "(\(repair.droppedBytes) bytes)")
      dropped += repair.droppedRecords
      damaged = position
      break
    }
    guard let damaged else {
      return "no damaged journal in \(path): nothing to repair"
    }
    for generation in journals[(damaged + 1)...] {
      let journal = directory.journalPath(generation)
      let records = try countRecords(journal)
      let aside = "\(journal).damaged-\(Int(Date().timeIntervalSince1970))"
      guard rename(journal, aside) == 0 else {
        throw StorageError.io(path: journal, operation: "rename", errno: errno)
      }
      lines.append(
        "\(journal): follows the damage; set aside as \(aside), dropping \(records) records")
      dropped += records
    }
    try directory.syncDirectory()
    lines.append("dropped \(dropped) records in all; channelcastd can start from \(path) now")
    return lines.joined(separator: "\n")
  }

  /// The records of a journal that read cleanly from its start.
  private func countRecords(_ journal: String) throws -> Int {
    let reader = try RecordFileReader(
      path: journal, kind: .journal, newestFormatVersion: DurableFormat.journalVersion)
    var count = 0
    while (try? reader.next()) != nil { count += 1 }
    return count
  }
}
