/// The presence index of one shard: for each attached user of the shard, the gateways it is
/// attached at.
///
/// Ownership: a value inside one `FanOutShard`'s state, read and changed only on that shard's
/// queue. Attachments and detachments reach it as work items on that queue, behind the fan-out
/// jobs submitted before them; fan-out reads it for every recipient, so a user attached before
/// a broadcast reached its shard gets that broadcast at the gateway.
///
/// An open-addressing table of user numbers (linear probing, at most 80% full): 8 bytes a slot,
/// so 10 to 20 bytes per attached user by how full the table is. The slot is the user number's
/// low bits: users numbered one after another (as a channel's members mostly are) fall into
/// neighbouring slots, which a broadcast then reads in order. A user at one gateway stores that
/// gateway's number; a user at several stores an index into `multiDevice`.
struct GatewayPresence {
  /// User number + 1 per slot; 0 is an empty slot.
  private var keys: [UInt32]
  /// Per slot: a gateway number, or `multiDeviceFlag` | an index into `multiDevice`.
  private var values: [UInt32]
  /// The gateways of users attached at more than one, in attach order.
  private var multiDevice: [[GatewayNumber]] = []
  private var freeMultiDevice: [UInt32] = []
  /// Attached users (a user at several gateways counts once).
  private(set) var userCount = 0
  /// Attachments per gateway number.
  private(set) var attachmentCounts: [Int] = []

  private static let multiDeviceFlag: UInt32 = 1 << 31
  private static let initialCapacity = 1024

  /// Empty, allocating nothing until the first attachment: most shards of most daemons never
  /// get one, and a round of fan-out makes a placeholder of this (see `FanOutShard.runRound`).
  init() {
    keys = []
    values = []
  }

  var isEmpty: Bool { userCount == 0 }

  /// Bytes the table holds (for the memory figures).
  var bytes: Int {
    keys.capacity * 4 + values.capacity * 4
      + multiDevice.reduce(multiDevice.capacity * 8) { $0 + 32 + $1.capacity * 2 }
  }

  /// Attaches `user` at `gateway`; false when it already was.
  mutating func attach(_ user: UInt32, at gateway: GatewayNumber) -> Bool {
    if (userCount + 1) * 5 > keys.count * 4 { grow() }
    let slot = findSlot(user)
    if keys[slot] == 0 {
      keys[slot] = user &+ 1
      values[slot] = UInt32(gateway.value)
      userCount += 1
    } else {
      let value = values[slot]
      if value & Self.multiDeviceFlag == 0 {
        guard value != UInt32(gateway.value) else { return false }
        values[slot] = storeMultiDevice([GatewayNumber(UInt16(value)), gateway])
      } else {
        let index = Int(value & ~Self.multiDeviceFlag)
        guard !multiDevice[index].contains(gateway) else { return false }
        multiDevice[index].append(gateway)
      }
    }
    count(gateway, by: 1)
    return true
  }

  /// Detaches `user` from `gateway`; false when it was not attached there.
  mutating func detach(_ user: UInt32, from gateway: GatewayNumber) -> Bool {
    guard !isEmpty else { return false }
    let slot = findSlot(user)
    guard keys[slot] != 0 else { return false }
    let value = values[slot]
    if value & Self.multiDeviceFlag == 0 {
      guard value == UInt32(gateway.value) else { return false }
      removeSlot(slot)
    } else {
      let index = Int(value & ~Self.multiDeviceFlag)
      guard let position = multiDevice[index].firstIndex(of: gateway) else { return false }
      multiDevice[index].remove(at: position)
      if multiDevice[index].count == 1 {
        values[slot] = UInt32(multiDevice[index][0].value)
        releaseMultiDevice(index)
      }
    }
    count(gateway, by: -1)
    return true
  }

  /// Detaches every user from `gateway` (its session ended); returns how many were attached.
  mutating func removeGateway(_ gateway: GatewayNumber) -> Int {
    guard gateway.index < attachmentCounts.count, attachmentCounts[gateway.index] > 0 else {
      return 0
    }
    let removed = attachmentCounts[gateway.index]
    var slot = 0
    while slot < keys.count {
      // Backward-shift deletion moves a later entry into `slot`: look at it again.
      if keys[slot] != 0, detach(keys[slot] - 1, from: gateway) { continue }
      slot += 1
    }
    return removed
  }

  /// The gateways `user` is attached at (fan-out's lookup, once per recipient: no closure, no
  /// reference counting).
  @inline(__always)
  func gateways(of user: UInt32) -> AttachedGateways {
    guard !isEmpty else { return AttachedGateways(value: Self.none) }
    let mask = keys.count - 1
    var slot = Int(user) & mask
    let key = user &+ 1
    while true {
      let found = keys[slot]
      if found == key { break }
      if found == 0 { return AttachedGateways(value: Self.none) }
      slot = (slot + 1) & mask
    }
    return AttachedGateways(value: values[slot])
  }

  /// The gateways of a user attached at several, for `AttachedGateways`.
  func multiDeviceGateways(_ value: UInt32) -> [GatewayNumber] {
    multiDevice[Int(value & ~Self.multiDeviceFlag)]
  }

  /// What `gateways(of:)` returns for a user attached nowhere.
  static let none: UInt32 = .max

  /// Where a user is attached: nowhere, at one gateway, or at several (`multiDeviceGateways`).
  struct AttachedGateways {
    let value: UInt32

    var isNone: Bool { value == GatewayPresence.none }
    /// The gateway, when the user is attached at exactly one.
    var single: GatewayNumber? {
      value & GatewayPresence.multiDeviceFlag == 0
        ? GatewayNumber(UInt16(truncatingIfNeeded: value)) : nil
    }
  }

  /// The slot holding `user`, or the empty slot where it would go.
  private func findSlot(_ user: UInt32) -> Int {
    let mask = keys.count - 1
    var slot = Int(user) & mask
    let key = user &+ 1
    while keys[slot] != 0 && keys[slot] != key { slot = (slot + 1) & mask }
    return slot
  }

  /// Empties `slot`, moving later entries of its probe run back so that lookups still find them.
  private mutating func removeSlot(_ slot: Int) {
    let mask = keys.count - 1
    var hole = slot
    var next = (slot + 1) & mask
    while keys[next] != 0 {
      let home = Int(keys[next] - 1) & mask
      // The entry at `next` may fill the hole if its home is not between the hole and it.
      let distanceToHole = (next - home) & mask
      let distanceToNext = (next - hole) & mask
      if distanceToHole >= distanceToNext {
        keys[hole] = keys[next]
        values[hole] = values[next]
        hole = next
      }
      next = (next + 1) & mask
    }
    keys[hole] = 0
    values[hole] = 0
    userCount -= 1
  }

  private mutating func grow() {
    let oldKeys = keys
    let oldValues = values
    let capacity = max(oldKeys.count * 2, Self.initialCapacity)
    keys = Array(repeating: 0, count: capacity)
    values = Array(repeating: 0, count: capacity)
    for (key, value) in zip(oldKeys, oldValues) where key != 0 {
      let slot = findSlot(key - 1)
      keys[slot] = key
      values[slot] = value
    }
  }

  private mutating func storeMultiDevice(_ gateways: [GatewayNumber]) -> UInt32 {
    if let index = freeMultiDevice.popLast() {
      multiDevice[Int(index)] = gateways
      return Self.multiDeviceFlag | index
    }
    multiDevice.append(gateways)
    return Self.multiDeviceFlag | UInt32(multiDevice.count - 1)
  }

  private mutating func releaseMultiDevice(_ index: Int) {
    multiDevice[index] = []
    freeMultiDevice.append(UInt32(index))
  }

  private mutating func count(_ gateway: GatewayNumber, by delta: Int) {
    if attachmentCounts.count <= gateway.index {
      attachmentCounts.append(
        contentsOf: repeatElement(0, count: gateway.index + 1 - attachmentCounts.count))
    }
    attachmentCounts[gateway.index] += delta
  }
}
