#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C copies of Swift strings for libpq's `const char * const *` parameters (keywords, values, `$n` parameters).
enum CStringArray {
    /// Calls `body` with C copies of `strings`, freed when it returns. Each string is `strdup`'ed once; `nil` stays
    /// a NULL pointer (SQL `NULL` for a `$n` parameter). `terminated: true` appends a NULL (for `PQconnectdbParams`).
    ///
    /// The pointers are valid only inside `body`: that scoping, rather than an owning object, is what keeps them
    /// alive across the C call (the optimizer may release an object right after its last Swift use).
    /// - Throws: `.invalidArgument` when a string contains a NUL character (C would silently cut it there).
    static func with<R>(
        _ strings: [String?], terminated: Bool = false, _ body: ([UnsafePointer<CChar>?]) throws(PostgresError) -> R
    ) throws(PostgresError) -> R {
        var owned: [UnsafeMutablePointer<CChar>] = []
        defer { for pointer in owned { free(pointer) } }
        var pointers: [UnsafePointer<CChar>?] = []
        pointers.reserveCapacity(strings.count + 1)
        for (position, string) in strings.enumerated() {
            guard let string else {
                pointers.append(nil)
                continue
            }
            guard !string.utf8.contains(0) else {
                throw PostgresError(code: .invalidArgument,
                                    message: "value #\(position + 1) contains a NUL character",
                                    context: "pass strings to libpq")
            }
            guard let copy = strdup(string) else {
                throw PostgresError(code: .invalidArgument, message: "out of memory", context: "pass strings to libpq")
            }
            owned.append(copy)
            pointers.append(UnsafePointer(copy))
        }
        if terminated { pointers.append(nil) }
        return try body(pointers)
    }

    /// Rejects SQL text that C would truncate at an embedded NUL.
    static func checkSQL(_ sql: String) throws(PostgresError) {
        guard !sql.utf8.contains(0) else {
            throw PostgresError(code: .invalidArgument, message: "SQL text contains a NUL character",
                                context: "pass SQL to libpq")
        }
    }
}
