// Fuzz target: cron expressions, as a timer trigger's `cron` in function.json. The input text is parsed;
// a parsed expression must read back the same from its own text, and from several instants (fixed
// ones around leap days and century years, and one taken from the input) its next fire times must be
// strictly after the instant, within the 5-year search window, themselves fire times (asking from one
// second before gives the same answer), and strictly increasing along a chain.
#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime
import FuzzSupport

enum Fixed {
    /// Five years of 366 days, `CronExpression`'s search window.
    static let window: Int64 = 5 * 366 * 86_400
    /// 1970-01-01, 1999-12-31T23:59:59, 2000-02-28T23:59:59, 2026-11-30T09:00:00, 2096-03-01, 2099-12-31T23:59:59,
    /// one second before 1970 and a few days before 2^50 (the supported range's end).
    static let instants: [Int64] = [
        0, 946_684_799, 951_782_399, 1_796_029_200, 3_981_398_400, 4_102_444_799, -1, (1 << 50) - 500_000,
    ]
}

/// A deterministic instant from the input's bytes, within ±2^40 seconds.
func instant(from bytes: [UInt8]) -> Int64 {
    var hash: UInt64 = 14_695_981_039_346_656_037
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
    return Int64(bitPattern: hash) % (1 << 40)
}

func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzDriver.bytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)
    let expression: CronExpression
    do {
        expression = try CronExpression(parsing: text)
    } catch {
        Invariant.check(!error.reason.isEmpty, "a refusal without a reason")
        return 0
    }
    do {
        let again = try CronExpression(parsing: expression.text)
        Invariant.check(again == expression, "\(expression.text.debugDescription) does not read back the same")
    } catch {
        Invariant.fail("\(expression.text.debugDescription) (from \(text.debugDescription)) is refused: \(error)")
    }
    for start in Fixed.instants + [instant(from: bytes)] {
        var after = start
        for _ in 0..<3 {
            guard let fire = expression.nextFire(after: after) else { break }
            Invariant.check(fire > after, "\(expression): next fire after \(after) is \(fire), not later")
            Invariant.check(fire <= after + Fixed.window, "\(expression): \(fire) is past the window from \(after)")
            Invariant.check(
                expression.nextFire(after: fire - 1) == fire, "\(expression): \(fire) is not itself a fire time")
            after = fire
        }
    }
    return 0
}

exit(FuzzDriver.run(testOne))
