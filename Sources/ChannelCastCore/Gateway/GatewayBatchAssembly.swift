/// The gateway batches one shard is filling: per fan-out job in progress, per gateway and per
/// envelope of the job, the recipients gathered so far.
///
/// Ownership: a value inside one `FanOutShard`'s state, used only on that shard's queue.
///
/// A large broadcast is served across many rounds of the shard, interleaved with other jobs, so
/// its batches stay open from round to round and go out when they hold `batchMaxUsers` users or
/// when the job's last recipient is served. A later job of the same channel starts only after
/// that (the shard serves a channel's jobs in order), so a gateway gets each channel's batches
/// in seq order, and an event after the batches sequenced before it.
struct GatewayBatchAssembly {
  /// One batch being filled.
  private struct OpenBatch {
    let gateway: GatewayNumber
    let envelope: SharedBytes
    var recipients: [UInt8] = []
    var count = 0
  }

  /// The open batches of one job: `slots[gateway * 3 + variant]` is an index into `batches`
  /// (or -1), `variant` telling apart the job's distinct envelopes.
  private struct JobBatches {
    let key: ObjectIdentifier
    let mark: DeliveryMark
    var slots: [Int32] = []
    var batches: [OpenBatch] = []
  }

  /// Jobs with open batches; few at a time (the large broadcasts a shard interleaves).
  private var jobs: [JobBatches] = []
  /// Batches that are complete (full, or their job finished), in the order they completed,
  /// for the shard to hand to the sink after the recipients it is serving (`takeReady`).
  private var ready: [GatewayBatch] = []
  /// Bytes to reserve for a new batch's recipients.
  private let reservedRecipientBytes: Int
  /// The sink's `batchMaxUsers`, kept here: it is compared for every recipient.
  private let batchMaxUsers: Int

  init(batchMaxUsers: Int) {
    self.batchMaxUsers = batchMaxUsers
    reservedRecipientBytes = min(batchMaxUsers, 4096) * 16
  }

  /// Where `job`'s batches are kept, opening them on first use.
  mutating func jobIndex(for job: FanOutJob) -> Int {
    if let index = index(of: job.key) { return index }
    jobs.append(JobBatches(key: job.key, mark: job.mark))
    return jobs.count - 1
  }

  /// Adds one recipient (its topic: userID and NUL) to the batch of `gateway` and `envelope`;
  /// a batch that is full then waits in `ready`.
  @inline(__always)
  mutating func add(
    _ topic: UnsafeRawBufferPointer, gateway: GatewayNumber, envelope: Unmanaged<SharedBytes>,
    variant: Int, job: Int
  ) {
    let slot = gateway.index &* 3 &+ variant
    if jobs[job].slots.count <= slot {
      jobs[job].slots.append(contentsOf: repeatElement(-1, count: slot + 1 - jobs[job].slots.count))
    }
    var index = Int(jobs[job].slots[slot])
    if index < 0 {
      index = jobs[job].batches.count
      var batch = OpenBatch(gateway: gateway, envelope: envelope.takeUnretainedValue())
      batch.recipients.reserveCapacity(reservedRecipientBytes)
      jobs[job].batches.append(batch)
      jobs[job].slots[slot] = Int32(index)
    }
    jobs[job].batches[index].recipients.append(contentsOf: topic)
    jobs[job].batches[index].count += 1
    if jobs[job].batches[index].count >= batchMaxUsers {
      let mark = jobs[job].mark
      ready.append(
        Self.take(&jobs[job].batches[index], mark: mark, reserve: reservedRecipientBytes))
    }
  }

  /// Completes what `job` has gathered and forgets the job: its last recipient was served.
  mutating func finishJob(_ job: Int) {
    var finished = jobs.remove(at: job)
    for index in finished.batches.indices where finished.batches[index].count > 0 {
      ready.append(
        Self.take(&finished.batches[index], mark: finished.mark, reserve: reservedRecipientBytes))
    }
  }

  /// The complete batches, in order, to hand to the sink.
  mutating func takeReady() -> [GatewayBatch] {
    defer { ready.removeAll(keepingCapacity: true) }
    return ready
  }

  var hasReady: Bool { !ready.isEmpty }

  /// Whether `job` (found by `key`) has open batches.
  func index(of key: ObjectIdentifier) -> Int? {
    jobs.firstIndex(where: { $0.key == key })
  }

  /// The batch's recipients so far as a complete batch; the open batch starts again, empty.
  private static func take(_ batch: inout OpenBatch, mark: DeliveryMark, reserve: Int)
    -> GatewayBatch
  {
    var recipients: [UInt8] = []
    recipients.reserveCapacity(reserve)
    swap(&recipients, &batch.recipients)
    defer { batch.count = 0 }
    return GatewayBatch(
      gateway: batch.gateway, envelope: batch.envelope, recipients: recipients,
      recipientCount: batch.count, mark: mark)
  }
}
