import Foundation

/// Checks `condition` every `interval` seconds (default 20 ms) until it holds or `seconds` pass, and
/// says whether it held: how a test waits for something to happen, never by sleeping a fixed time.
/// The condition is checked once more at the deadline, so a slow last step still counts.
@discardableResult
public func poll(
    within seconds: Double, every interval: Double = 0.02, until condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return try condition()
}

/// ``poll(within:every:until:)`` for async tests: suspends between checks instead of blocking a thread.
@discardableResult
public func poll(
    within seconds: Double, every interval: Double = 0.02, until condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
    }
    return try await condition()
}

/// Polls `probe` until it returns a value or `seconds` pass; that value, or nil.
public func pollValue<T>(
    within seconds: Double, every interval: Double = 0.02, _ probe: () throws -> T?
) rethrows -> T? {
    var found: T?
    try poll(within: seconds, every: interval) {
        found = try probe()
        return found != nil
    }
    return found
}
