/// What the master does about a companion (nginx, the stand-in) that exited.
public enum CompanionVerdict: Sendable, Equatable {
    /// The host is winding down, which is why it stopped: nothing more.
    case stopped
    /// It died after running a while: start it again.
    case restart
    /// It died right after its start (within `SupervisionPolicy.companionStartupNanoseconds`):
    /// restarting it would spin, so the host stops.
    case stopHost
}

extension SupervisionPolicy {
    /// The verdict on a companion started at `startedAt` that exited at `now` (monotonic ns),
    /// `windingDown` when the host is draining or stopping.
    public func companionVerdict(startedAt: UInt64, now: UInt64, windingDown: Bool) -> CompanionVerdict {
        if windingDown { return .stopped }
        let lived = now >= startedAt ? now - startedAt : 0
        return lived < companionStartupNanoseconds ? .stopHost : .restart
    }
}
