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
  /// Bytes to reserve for a new batch's recipients.
  private let reservedRecipientBytes: Int

  init(batchMaxUsers: Int) {
    reservedRecipientBytes = min(batchMaxUsers, 4096) * 16
  }

  /// Where `job`'s batches are kept, opening them on first use.
  mutating func jobIndex(for job: FanOutJob, key: ObjectIdentifier) -> Int {
    if let index = jobs.firstIndex(where: { $0.key == key }) { return index }
    jobs.append(JobBatches(key: key, mark: job.mark))
    return jobs.count - 1
  }

  /// Adds one recipient (its topic: userID and NUL) to the batch of `gateway` and `envelope`,
  /// handing the batch to `sink` once it is full.
  @inline(__always)
  mutating func add(
    _ topic: UnsafeRawBufferPointer, gateway: GatewayNumber, envelope: SharedBytes, variant: Int,
    job: Int, sink: any GatewayBatchSink
  ) {
    let slot = gateway.index &* 3 &+ variant
    if jobs[job].slots.count <= slot {
      jobs[job].slots.append(contentsOf: repeatElement(-1, count: slot + 1 - jobs[job].slots.count))
    }
    var index = Int(jobs[job].slots[slot])
    if index < 0 {
      index = jobs[job].batches.count
      var batch = OpenBatch(gateway: gateway, envelope: envelope)
      batch.recipients.reserveCapacity(reservedRecipientBytes)
      jobs[job].batches.append(batch)
      jobs[job].slots[slot] = Int32(index)
    }
    jobs[job].batches[index].recipients.append(contentsOf: topic)
    jobs[job].batches[index].count += 1
    if jobs[job].batches[index].count >= sink.batchMaxUsers {
      send(&jobs[job].batches[index], mark: jobs[job].mark, to: sink)
    }
  }

  /// Sends what `job` has gathered and forgets the job: its last recipient was served.
  mutating func finishJob(_ job: Int, sink: any GatewayBatchSink) {
    var finished = jobs.remove(at: job)
    for index in finished.batches.indices where finished.batches[index].count > 0 {
      send(&finished.batches[index], mark: finished.mark, to: sink)
    }
  }

  /// Whether `job` (found by `key`) has open batches.
  func index(of key: ObjectIdentifier) -> Int? {
    jobs.firstIndex(where: { $0.key == key })
  }

  private func send(_ batch: inout OpenBatch, mark: DeliveryMark, to sink: any GatewayBatchSink) {
    var recipients: [UInt8] = []
    recipients.reserveCapacity(reservedRecipientBytes)
    swap(&recipients, &batch.recipients)
    sink.send(
      GatewayBatch(
        gateway: batch.gateway, envelope: batch.envelope, recipients: recipients,
        recipientCount: batch.count, mark: mark))
    batch.count = 0
  }
}
