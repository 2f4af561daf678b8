/// What the state keeps of each channel's past: the history's limits, and how long sent
/// payloads are remembered for the duplicate check. Part of the state, not read from the
/// configuration by `apply`, so that applying the same records to states with the same
/// retention gives the same state.
public struct HistoryRetention: Sendable, Equatable {
  public var maxEntries: Int
  public var maxBytes: Int
  /// 0 keeps entries of any age.
  public var maxAgeMs: Int64
  /// How long a sent payload is remembered for `duplicateWindowMs`; 0 remembers none.
  public var payloadWindowMs: Int64

  public init(_ limits: ServiceLimits) {
    maxEntries = limits.historySize
    maxBytes = limits.historyMaxBytes
    maxAgeMs = limits.historyMaxAgeMs
    payloadWindowMs = limits.duplicateWindowMs
  }

  /// An empty history with these limits.
  func makeHistory() -> ChannelHistory {
    ChannelHistory(maxEntries: maxEntries, maxBytes: maxBytes, maxAgeMs: maxAgeMs)
  }
}
