// Fuzz target: a function's tests.json, as `fnhost test` reads it (`FixtureSuite.parse`). Whatever the
// bytes, parsing returns a suite or a `FixtureError` naming the file; never a trap.
//
// For a suite that parses, every case must be usable as written: an expected status in 100...599, a
// method that is an upper-case HTTP token, a request target that starts with `/` and holds only
// printable ASCII, header names that are tokens and values without control characters, and cases
// numbered in file order. Each case is then turned into a request and an event the way the in-process
// runner does (`FixtureExecutor`), which must not trap either.
#if canImport(Glibc)
import Glibc
#endif
import FixtureRunner
import FunctionRuntime
import FuzzSupport

enum Fixed {
    static let file = "functions/fuzz/tests.json"
    static let tokenPunctuation = Array("!#$%&'*+-.^_`|~".utf8)
}

func isToken(_ text: String) -> Bool {
    !text.isEmpty
        && text.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || Fixed.tokenPunctuation.contains(byte)
        }
}

func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let suite: FixtureSuite
    do {
        suite = try FixtureSuite.parse(FuzzDriver.bytes(data, size), file: Fixed.file)
    } catch {
        Invariant.check(error.file == Fixed.file, "an error that does not name the file: \(error)")
        Invariant.check(!error.message.isEmpty, "an error without a message")
        Invariant.check(error.description.contains(Fixed.file), "an error text without the file: \(error)")
        return 0
    }
    for (position, fixture) in suite.cases.enumerated() {
        Invariant.check(fixture.index == position, "case \(position) says it is case \(fixture.index)")
        Invariant.check(!fixture.name.isEmpty, "case \(position) has an empty name")
        Invariant.check((100...599).contains(fixture.expectedStatus), "expected status \(fixture.expectedStatus)")
        Invariant.check(isToken(fixture.method), "method \(fixture.method.debugDescription)")
        Invariant.check(
            !fixture.method.utf8.contains { $0 >= 97 && $0 <= 122 }, "method \(fixture.method) is not upper case")
        Invariant.check(fixture.path.hasPrefix("/"), "path \(fixture.path.debugDescription) does not start with /")
        Invariant.check(
            fixture.path.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "path \(fixture.path.debugDescription) is not printable ASCII")
        for header in fixture.headers {
            Invariant.check(isToken(header.name), "header name \(header.name.debugDescription)")
            Invariant.check(
                !header.value.utf8.contains { $0 < 0x20 && $0 != 9 || $0 == 0x7F },
                "header \(header.name) has a control character")
        }
        for header in fixture.expectedHeaders {
            Invariant.check(isToken(header.name), "expected header name \(header.name.debugDescription)")
        }

        // As the in-process runner sends it.
        let query = fixture.path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first
        let request = IncomingRequest(
            method: fixture.method, query: query.map(String.init) ?? "",
            headers: fixture.headers.map { ($0.name, $0.value) }, body: fixture.body, remoteAddress: "127.0.0.1",
            remotePort: 50_000, receivedAtMilliseconds: 1_796_029_200_000)
        do {
            let event = try EventBuilder().build(request, traceId: "fuzz-trace")
            Invariant.check(event.httpMethod == fixture.method, "the event's method is \(event.httpMethod)")
        } catch {
            Invariant.check(error.code == .payloadTooLarge, "a fixture's request was refused: \(error)")
        }
    }
    return 0
}

exit(FuzzDriver.run(testOne))
