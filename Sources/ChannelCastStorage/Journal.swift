/// The append-only journal of one data directory, in generations: `journal-<generation>.ccj`.
///
/// Owned by the command thread, the only caller of its methods (``statistics`` excepted, which
/// any thread may read). Under ``FsyncPolicy/everysec`` a background thread syncs the current
/// file once a second; it shares only a ``JournalSyncState`` (Mutex and atomics) with the
/// owner, which is why the journal can be `@unchecked Sendable`: handed to its owning thread.
///
/// After a failed write or sync the journal refuses every later commit with that error: what
/// reached the disk is unknown, so the daemon must not acknowledge anything more.
public final class Journal: @unchecked Sendable {
  /// The generation of the file being appended to.
  public private(set) var generation: UInt64
  private let directory: DataDirectory
  private let formatVersion: UInt32
  private let policy: FsyncPolicy
  private var file: RecordFileWriter
  private var buffer = RecordBuffer()
  private let syncState: JournalSyncState
  private var syncThread: PeriodicThread?
  private var isClosed = false

  /// Opens the journal of `generation` in `directory`. With `validLength` nil, creates its file
  /// (durably: file and directory synced); otherwise appends to the existing file after its
  /// first `validLength` bytes (the ``RecordFileReader/validLength`` that recovery found).
  /// `syncObserver` hears of every successful sync.
  public init(
    directory: DataDirectory, generation: UInt64, formatVersion: UInt32, policy: FsyncPolicy,
    appendingAt validLength: Int? = nil, syncObserver: (any JournalSyncObserver)? = nil
  ) throws(StorageError) {
    let file =
      if let validLength {
        try RecordFileWriter.openForAppend(
          path: directory.journalPath(generation), validLength: validLength)
      } else {
        try Self.createFile(in: directory, generation: generation, formatVersion: formatVersion)
      }
    let syncState = JournalSyncState(currentFile: file, observer: syncObserver)
    if policy == .everysec {
      syncThread = try PeriodicThread(name: "journal-sync", intervalMilliseconds: 1_000) {
        syncState.syncIfWritten()
      }
    }
    self.generation = generation
    self.directory = directory
    self.formatVersion = formatVersion
    self.policy = policy
    self.file = file
    self.syncState = syncState
  }

  deinit {
    // Without close(), buffered records are dropped, as a crash would; the file is closed by
    // its writer.
    syncThread?.stop()
  }

  /// Adds a record to the in-memory buffer; nothing reaches the file before ``commit()``.
  /// `body` appends the body bytes (see ``RecordBuffer/append(type:_:)``).
  public func append(type: UInt8, _ body: (inout [UInt8]) -> Void) {
    buffer.append(type: type, body)
  }

  /// Whether records were appended since the last commit.
  public var hasUncommittedRecords: Bool { !buffer.isEmpty }

  /// Bytes in the current generation's file, its header included: what decides a rotation.
  public var bytesInGeneration: Int { file.length }

  /// What the journal has written and synced so far; safe to read from any thread.
  public var statistics: JournalStatistics { syncState.statistics }

  /// Writes the buffered records to the OS with one write(2); under ``FsyncPolicy/always``
  /// then syncs them, so every request gathered since the last commit shares one fdatasync
  /// (group commit). Call it before replying to the requests whose records were appended.
  public func commit() throws(StorageError) {
    precondition(!isClosed, "commit on a closed journal")
    try syncState.throwIfFailed()
    guard !buffer.isEmpty else { return }
    let (bytes, records) = (buffer.byteCount, buffer.recordCount)
    do {
      try file.write(&buffer)
    } catch {
      syncState.recordFailure(error)
      throw error
    }
    syncState.recordWrite(bytes: bytes, records: records, fileLength: file.length)
    switch policy {
    case .always: try syncState.sync(file)
    case .everysec: syncState.hasUnsyncedWrites.store(true, ordering: .releasing)
    case .never: break
    }
  }

  /// Commits, syncs and closes the current file, and continues in generation + 1 (a new file,
  /// durably created). Returns the new generation. If the new file cannot be created, the
  /// journal stays in the current generation.
  @discardableResult
  public func rotate() throws(StorageError) -> UInt64 {
    try commit()
    try syncState.sync(file)
    let nextGeneration = generation + 1
    let nextFile = try Self.createFile(
      in: directory, generation: nextGeneration, formatVersion: formatVersion)
    syncState.switchCurrentFile(to: nextFile)?.close()
    file = nextFile
    generation = nextGeneration
    return nextGeneration
  }

  /// Commits, syncs and closes the file, after stopping the `everysec` thread. The file is
  /// closed even when the commit or sync fails. Closing twice is fine.
  public func close() throws(StorageError) {
    guard !isClosed else { return }
    syncThread?.stop()
    syncThread = nil
    defer {
      isClosed = true
      syncState.currentFile.withLock { $0 = nil }
      file.close()
    }
    try commit()
    try syncState.sync(file)
  }

  /// Creates the journal file of `generation` with its header, and makes it durable.
  private static func createFile(
    in directory: DataDirectory, generation: UInt64, formatVersion: UInt32
  ) throws(StorageError) -> RecordFileWriter {
    let header = RecordFileHeader(
      kind: .journal, formatVersion: formatVersion, generation: generation)
    let path = directory.journalPath(generation)
    let file = try RecordFileWriter.create(path: path, header: header)
    do throws(StorageError) {
      try file.sync()
      try directory.syncDirectory()
    } catch {
      file.close()
      try? FileSystem.removeFile(path)
      throw error
    }
    return file
  }
}
