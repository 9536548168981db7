import FastCGI

/// Why a worker process could not begin serving.
public enum WorkerStartError: Error, Sendable, CustomStringConvertible {
    /// Nothing is mapped at the scoreboard descriptor: the process was not started by the master of
    /// `fnhost serve`, which passes the worker's scoreboard slot there.
    case missingScoreboard(descriptor: Int32)
    /// libfcgi could not be set up.
    case fastCGI(FastCGIError)

    public var description: String {
        switch self {
        case .missingScoreboard(let descriptor):
            "no scoreboard slot at descriptor \(descriptor) (start workers with fnhost serve)"
        case .fastCGI(let error):
            error.description
        }
    }
}
