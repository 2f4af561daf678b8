import Dispatch
import Synchronization

/// One serial queue of the fan-out. It owns the work for the users that hash to it, so each of
/// them sees every channel's deliveries in the order the command thread submitted them.
///
/// Jobs go into a `ShardSchedule` and are worked through a batch at a time, each batch a
/// separate work item on the queue, so that jobs submitted meanwhile are scheduled with the
/// next one.
final class FanOutShard: Sendable {
  /// How many deliveries one call to the sink carries, and how many recipients of large jobs a
  /// batch serves: large enough to amortize the sink's lock, small enough that shards interleave
  /// and that a new small job waits for little.
  static let batchSize = 512
  /// Recipients a busy channel gets at its turn, after the small jobs.
  static let quantum = 128
  /// A job with at most this many recipients left is finished at the start of a batch.
  static let smallJob = 512

  let number: Int
  private let queue: DispatchQueue
  private let directory: UserDirectory
  private let sink: any DeliverySink
  /// Where batches for gateways go; nil when the gateway socket is off.
  private let gatewaySink: (any GatewayBatchSink)?
  private let counters: FanOutCounters
  private let state: QueueBound<State>
  /// Deliveries submitted to this shard and not yet handed to the sink.
  let pendingDeliveries = Atomic<Int>(0)
  /// This shard's attached users, and the bytes its presence index holds, as of the last change.
  let attachedUsers = Atomic<Int>(0)
  let presenceBytes = Atomic<Int>(0)

  private struct State {
    var schedule = ShardSchedule()
    var roundScheduled = false
    var batch = Batch()
    var gateways: Gateways
  }

  /// Who is attached where, among this shard's users, and the gateway batches being filled.
  private struct Gateways {
    var presence = GatewayPresence()
    var assembly: GatewayBatchAssembly
  }

  /// The deliveries being gathered for the sink, the jobs whose envelopes they point into
  /// (kept alive until the batch is handed over), and the broadcasts whose last job ends in it.
  private struct Batch {
    var deliveries: [Delivery] = []
    var jobs: [FanOutJob] = []
    var finishing: [BroadcastProgress] = []
  }

  init(
    number: Int, directory: UserDirectory, sink: any DeliverySink,
    gatewaySink: (any GatewayBatchSink)?, counters: FanOutCounters
  ) {
    self.number = number
    self.queue = DispatchQueue(label: "channelcast.fanout.shard-\(number)")
    self.directory = directory
    self.sink = sink
    self.gatewaySink = gatewaySink
    self.counters = counters
    var initial = State(
      gateways: Gateways(
        assembly: GatewayBatchAssembly(batchMaxUsers: gatewaySink?.batchMaxUsers ?? 1)))
    initial.batch.deliveries.reserveCapacity(Self.batchSize)
    self.state = QueueBound(initial, queue: queue)
  }

  /// Queues jobs, in order, each behind the earlier jobs of its channel.
  func submit(_ jobs: [PendingFanOut.ChannelJob]) {
    pendingDeliveries.add(jobs.reduce(0) { $0 + $1.job.count }, ordering: .relaxed)
    queue.async { [self] in
      let startRound = state.withValue { state in
        for pending in jobs { state.schedule.enqueue(pending.job, channel: pending.channel) }
        defer { state.roundScheduled = true }
        return !state.roundScheduled
      }
      if startRound { runRound() }
    }
  }

  /// Changes this shard's presence index on its queue, behind the jobs submitted before, then
  /// calls `completion` there with how many attachments changed.
  func update(_ change: PresenceChange, completion: @escaping @Sendable (Int) -> Void) {
    queue.async { [self] in
      let changed = state.withValue { state in
        let changed = change.apply(to: &state.gateways.presence)
        attachedUsers.store(state.gateways.presence.userCount, ordering: .relaxed)
        presenceBytes.store(state.gateways.presence.bytes, ordering: .relaxed)
        return changed
      }
      completion(changed)
    }
  }

  /// Runs `body` on the shard's queue after everything submitted before it has been delivered.
  func afterPendingWork(_ body: @escaping @Sendable () -> Void) {
    queue.async { [self] in
      if pendingDeliveries.load(ordering: .relaxed) == 0 {
        body()
      } else {
        // Rounds still to run: look again after them.
        afterPendingWork(body)
      }
    }
  }

  /// Serves the small jobs and a batch's worth of large ones, hands them over, then yields the
  /// queue so that jobs submitted meanwhile are scheduled with the next batch.
  private func runRound() {
    counters.roundsRun.add(1, ordering: .relaxed)
    let moreWork = state.withValue { state in
      // Taken out of the state for the round (keeping their storage), so that serving the
      // schedule and filling them are not two accesses to the state at once.
      var batch = Batch()
      swap(&batch, &state.batch)
      var gateways = Gateways(assembly: GatewayBatchAssembly(batchMaxUsers: 1))
      swap(&gateways, &state.gateways)
      state.schedule.serve(budget: Self.batchSize, quantum: Self.quantum, smallJob: Self.smallJob) {
        job, range in
        add(job, range, to: &batch, gateways: &gateways)
      }
      flush(&batch)
      swap(&batch, &state.batch)
      swap(&gateways, &state.gateways)
      state.roundScheduled = !state.schedule.isEmpty
      return state.roundScheduled
    }
    if moreWork {
      queue.async { [self] in runRound() }
    }
  }

  private func add(
    _ job: FanOutJob, _ range: Range<Int>, to batch: inout Batch, gateways: inout Gateways
  ) {
    batch.jobs.append(job)
    switch job.recipients {
    case .members(let members):
      let key = job.key
      // Looked up once per job rather than per recipient: a broadcast has millions, and each
      // lookup of an optional reference or an existential would count a reference.
      let gatewayJob =
        gateways.presence.isEmpty || gatewaySink == nil
        ? nil : gateways.assembly.jobIndex(for: job)
      let envelopes = (
        job.envelopes[.acceptAndNotify].map(Unmanaged.passUnretained),
        job.envelopes[.acceptNotNotify].map(Unmanaged.passUnretained),
        job.envelopes[.discard].map(Unmanaged.passUnretained)
      )
      let variants = job.envelopes.variants
      let scope = job.scope
      let only = job.onlyUsers
      let partitions = scope?.partitions ?? only?.partitions
      for entry in members[range] {
        if let partitions {
          let partition = partitions.partition(ofUserBytes: directory.idBytes(entry.user))
          if let scope, !scope.contains(partition: partition) { continue }
          if let only, !only.contains(partition: partition) { continue }
        }
        let flag = entry.flag
        let chosen: Unmanaged<SharedBytes>? =
          switch flag {
          case .acceptAndNotify: envelopes.0
          case .acceptNotNotify: envelopes.1
          case .discard: envelopes.2
          }
        if let envelope = chosen {
          let topic = directory.topic(of: entry.user)
          batch.deliveries.append(Delivery(topic: topic, sharedEnvelope: envelope))
          if let gatewayJob {
            addToGatewayBatches(
              topic, user: entry.user, envelope: envelope, variant: variants[flag],
              job: gatewayJob, gateways: &gateways)
          }
        }
        if batch.deliveries.count == Self.batchSize {
          flush(&batch)
          batch.jobs.append(job)  // the rest of this range still points into it
        }
      }
      pendingDeliveries.subtract(range.count, ordering: .relaxed)
      if range.upperBound == job.count, let open = gateways.assembly.index(of: key) {
        gateways.assembly.finishJob(open)
      }
      if let gatewaySink, gateways.assembly.hasReady {
        for ready in gateways.assembly.takeReady() { gatewaySink.send(ready) }
      }
      if range.upperBound == job.count, let progress = job.progress {
        batch.finishing.append(progress)
      }
    case .user(let user):
      if let envelope = job.envelopes[.acceptAndNotify],
        job.scope?.contains(userID: directory.idBytes(user)) ?? true
      {
        let topic = directory.topic(of: user)
        batch.deliveries.append(Delivery(topic: topic, envelope: envelope))
        if let gatewaySink, !gateways.presence.isEmpty {
          let attached = gateways.presence.gateways(of: user)
          if !attached.isNone {
            let each =
              attached.single.map { [$0] }
              ?? gateways.presence.multiDeviceGateways(attached.value)
            for gateway in each {
              gatewaySink.send(
                GatewayBatch(
                  gateway: gateway, envelope: envelope, recipients: Array(topic),
                  recipientCount: 1, mark: job.mark))
            }
          }
        }
      }
      pendingDeliveries.subtract(1, ordering: .relaxed)
    }
  }

  /// Adds a recipient to the open batches of each gateway it is attached at (none, one, or
  /// several for a user on several devices).
  @inline(__always)
  private func addToGatewayBatches(
    _ topic: UnsafeRawBufferPointer, user: UInt32, envelope: Unmanaged<SharedBytes>,
    variant: Int, job: Int, gateways: inout Gateways
  ) {
    let attached = gateways.presence.gateways(of: user)
    guard !attached.isNone else { return }
    if let gateway = attached.single {
      gateways.assembly.add(topic, gateway: gateway, envelope: envelope, variant: variant, job: job)
      return
    }
    for gateway in gateways.presence.multiDeviceGateways(attached.value) {
      gateways.assembly.add(topic, gateway: gateway, envelope: envelope, variant: variant, job: job)
    }
  }

  /// Hands the batch to the sink, releases the jobs it pointed into, and reports the jobs it
  /// finished.
  private func flush(_ batch: inout Batch) {
    let attempted = batch.deliveries.count
    if attempted > 0 {
      let handed = batch.deliveries.withUnsafeBufferPointer { sink.deliver($0) }
      counters.deliveriesSent.add(UInt64(handed), ordering: .relaxed)
      counters.deliveriesDropped.add(UInt64(attempted - handed), ordering: .relaxed)
      batch.deliveries.removeAll(keepingCapacity: true)
    }
    batch.jobs.removeAll(keepingCapacity: true)
    for progress in batch.finishing { progress.jobFinished() }
    batch.finishing.removeAll(keepingCapacity: true)
  }
}
