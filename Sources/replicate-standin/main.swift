// replicate-standin: the offline Replicate API stand-in as a process.
//
//   replicate-standin [--host 127.0.0.1] [--port 0] [--delay-ms 1500] [--delay-jitter-ms 0]
//                     [--files-dir DIR] [--webhook-secret whsec_…] [--webhook-attempts 6]
//                     [--webhook-retry-ms 1000] [--quiet]
//
// Prints `listening on HOST:PORT` as the first stdout line (flushed; with --port 0 the port is
// the kernel's choice), logs one line per request to stderr unless --quiet, and runs until
// SIGTERM or SIGINT. Creates that carry a `webhook` get signed deliveries (Replicate's scheme);
// the secret is random per start unless --webhook-secret gives one, and clients read it from
// GET /v1/webhooks/default/secret. Exit status: 0 after a signal, 1 when the socket cannot be
// bound, 2 on bad arguments (a malformed --webhook-secret included).
import Glibc
import ReplicateStandIn
import WebhookSignature

/// Writes a line to stderr without touching the `stderr` global (not concurrency-safe in Swift 6).
@Sendable func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

let usage = """
    usage: replicate-standin [--host IPV4] [--port N] [--delay-ms MS] [--delay-jitter-ms MS] [--files-dir DIR]
                             [--webhook-secret SECRET] [--webhook-attempts N] [--webhook-retry-ms MS] [--quiet]
      --host              IPv4 address to listen on (default 127.0.0.1)
      --port              TCP port, 0 = ephemeral (default 0); the bound port is printed first on stdout
      --delay-ms          milliseconds per status phase: starting, then processing (default 1500; 0 = done at once)
      --delay-jitter-ms   each prediction's phase delay is delay ± uniform(0, MS), never below 0 (default 0)
      --files-dir         folder where output PNGs are also written as <id>.png (and served from)
      --webhook-secret    webhook signing secret, whsec_<base64> (default: random per start)
      --webhook-attempts  attempts per webhook delivery before giving up, the first included (default 6)
      --webhook-retry-ms  base retry delay: attempt n+1 waits MS * 2^(n-1) after attempt n failed (default 1000)
      --quiet             no per-request (and per-delivery) log lines on stderr
    """

var configuration = ReplicateStandInConfiguration()
var quiet = false
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    func value() -> String {
        guard let next = arguments.popFirst() else {
            printError("replicate-standin: \(argument) needs a value\n\(usage)")
            exit(2)
        }
        return next
    }
    func number() -> Int {
        let text = value()
        guard let parsed = Int(text), parsed >= 0 else {
            printError("replicate-standin: \(argument) needs a non-negative integer, got '\(text)'")
            exit(2)
        }
        return parsed
    }
    switch argument {
    case "--host": configuration.host = value()
    case "--port": configuration.port = number()
    case "--delay-ms": configuration.phaseDelayMilliseconds = number()
    case "--delay-jitter-ms": configuration.delayJitterMilliseconds = number()
    case "--files-dir": configuration.filesDirectory = value()
    case "--webhook-secret":
        let secret = value()
        guard WebhookSignature.key(fromSecret: secret) != nil else {
            printError("replicate-standin: --webhook-secret must be whsec_<base64 of the key bytes>")
            exit(2)
        }
        configuration.webhookSecret = secret
    case "--webhook-attempts":
        let attempts = number()
        guard attempts >= 1 else {
            printError("replicate-standin: --webhook-attempts must be at least 1")
            exit(2)
        }
        configuration.webhookAttempts = attempts
    case "--webhook-retry-ms": configuration.webhookRetryMilliseconds = number()
    case "--quiet": quiet = true
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        printError("replicate-standin: unknown argument '\(argument)'\n\(usage)")
        exit(2)
    }
}
if !quiet { configuration.log = { printError("replicate-standin: \($0)") } }

// Block the stop signals before any thread exists (threads inherit the mask), then wait for
// one with sigwait on the main thread.
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGTERM)
sigaddset(&stopSignals, SIGINT)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
signal(SIGPIPE, SIG_IGN)

let server: ReplicateStandInServer
do {
    server = try ReplicateStandInServer(configuration: configuration)
    try server.start()
} catch {
    printError("replicate-standin: \(error)")
    exit(1)
}
print("listening on \(configuration.host):\(server.port)")
fflush(nil)

var received: Int32 = 0
sigwait(&stopSignals, &received)
printError("replicate-standin: signal \(received), stopping")
server.stop()
exit(0)
