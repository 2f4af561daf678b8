import ChannelCastCore

/// What the metrics listener answers: `/metrics` (Prometheus text), `/healthz` (the process
/// answers) and `/readyz` (recovered and serving: 200, else 503).
enum HealthEndpoints {
  static func respond(
    to path: String, metrics: DaemonMetrics, fanOut: FanOut, deliverySocket: DeliverySocket,
    gateways: (metrics: GatewayMetrics, counts: GatewayCounts?), readiness: Readiness
  ) -> MetricsHTTPServer.Response {
    switch path {
    case "/metrics":
      if let counts = gateways.counts {
        gateways.metrics.update(
          counts: counts, attachedUsers: fanOut.attachedUsers, presenceBytes: fanOut.presenceBytes)
      }
      return .init(
        status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
        body: metrics.render(
          fanOut: fanOut, consumersCutOff: deliverySocket.consumersCutOff,
          subscribedTopics: deliverySocket.subscribedTopicCount))
    case "/healthz":
      return .init(status: 200, body: Array("ok\n".utf8))
    case "/readyz":
      return readiness.isReady
        ? .init(status: 200, body: Array("ready\n".utf8))
        : .init(status: 503, body: Array("recovering\n".utf8))
    default:
      return .init(status: 404, body: Array("not found; try /metrics, /healthz or /readyz\n".utf8))
    }
  }
}
