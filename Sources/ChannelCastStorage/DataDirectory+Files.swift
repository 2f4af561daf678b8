/// The journals and snapshots in the data directory, named by generation.
extension DataDirectory {
  /// The journal of `generation`: `<directory>/journal-<generation as 20 digits>.ccj`.
  public func journalPath(_ generation: UInt64) -> String {
    path + "/" + FileName.journal.name(generation)
  }

  /// The snapshot of `generation`: `<directory>/snapshot-<generation as 20 digits>.ccs`.
  public func snapshotPath(_ generation: UInt64) -> String {
    path + "/" + FileName.snapshot.name(generation)
  }

  /// The generations of the journals in the directory, oldest first.
  public func journalGenerations() throws(StorageError) -> [UInt64] {
    try FileSystem.entries(of: path).compactMap(FileName.journal.generation).sorted()
  }

  /// The generations of the snapshots in the directory, oldest first.
  public func snapshotGenerations() throws(StorageError) -> [UInt64] {
    try FileSystem.entries(of: path).compactMap(FileName.snapshot.generation).sorted()
  }

  /// Removes the journals of generations before `generation`, durably.
  public func removeJournals(before generation: UInt64) throws(StorageError) {
    try removeFiles { FileName.journal.generation(in: $0).map { $0 < generation } ?? false }
  }

  /// Removes the snapshots of generations before `generation`, durably.
  public func removeSnapshots(before generation: UInt64) throws(StorageError) {
    try removeFiles { FileName.snapshot.generation(in: $0).map { $0 < generation } ?? false }
  }

  /// Removes the journal of `generation`, durably: for a file whose header never reached the
  /// disk, which has to go before ``Journal`` can create that generation again.
  public func removeJournal(_ generation: UInt64) throws(StorageError) {
    try FileSystem.removeFile(journalPath(generation))
    try syncDirectory()
  }

  /// Removes the files whose names match, then syncs the directory if any was removed.
  func removeFiles(where matches: (String) -> Bool) throws(StorageError) {
    let names = try FileSystem.entries(of: path).filter(matches)
    guard !names.isEmpty else { return }
    for name in names {
      try FileSystem.removeFile(path + "/" + name)
    }
    try syncDirectory()
  }

  /// Flushes the directory's entries to the disk, so that files created, renamed or removed in
  /// it stay so after a power loss.
  public func syncDirectory() throws(StorageError) {
    try FileSystem.syncDirectory(path)
  }

  /// Writes the record file `path` atomically: `write` fills a writer on `<path>.tmp`, which is
  /// then synced and renamed to `path`, and the directory synced. After a crash or an error
  /// (the tmp file is then removed), `path` is either its old self or complete.
  public func writeAtomically(
    path: String, header: RecordFileHeader, _ write: (RecordFileWriter) throws -> Void
  ) throws {
    let temporaryPath = path + ".tmp"
    try FileSystem.removeFile(temporaryPath)
    let writer = try RecordFileWriter.create(path: temporaryPath, header: header)
    do {
      try write(writer)
      try writer.sync()
      writer.close()
      try FileSystem.renameFile(temporaryPath, to: path)
    } catch {
      writer.close()
      try? FileSystem.removeFile(temporaryPath)
      throw error
    }
    try syncDirectory()
  }
}
