import FnhostTestSupport
import Foundation
import FunctionRuntime

/// `replicate-async-start`: bodies (broken JSON, wrong types, missing and duplicated fields, huge,
/// deeply nested, bad image URLs, injection strings), identity and idempotency headers, methods,
/// content types and transport malformations. None may create a task.
extension HostileCorpus {
    static let validStartBody =
        #"{"person_image":"https://example.com/person.jpg","garments":[{"image":"https://example.com/shirt.jpg","category":"upper_body"}],"prompt_hints":"a blue shirt"}"#

    /// A body with `person_image`, the garment's `image`, its `category` and `prompt_hints` given as
    /// JSON fragments (already encoded); nil leaves the member out.
    static func startBody(
        person: String? = #""https://example.com/person.jpg""#, garments: String? = nil,
        image: String? = #""https://example.com/shirt.jpg""#, category: String? = #""upper_body""#,
        hints: String? = #""a blue shirt""#
    ) -> String {
        var garment: [String] = []
        if let image { garment.append(#""image":\#(image)"#) }
        if let category { garment.append(#""category":\#(category)"#) }
        var members: [String] = []
        if let person { members.append(#""person_image":\#(person)"#) }
        members.append(#""garments":\#(garments ?? "[{\(garment.joined(separator: ","))}]")"#)
        if let hints { members.append(#""prompt_hints":\#(hints)"#) }
        return "{\(members.joined(separator: ","))}"
    }

    /// A JSON string literal for `text`.
    static func quoted(_ text: String) -> String {
        JSONValue.string(text).encoded()
    }

    func start() -> [HostileRequest] {
        let path = TryOnStack.startPath
        let identity: [(String, [UInt8])] = .text([("X-User-Id", userId), ("Content-Type", "application/json")])
        var cases: [HostileRequest] = []
        func post(_ category: String, _ label: String, _ body: [UInt8], headers: [(String, [UInt8])]? = nil, method: String = "POST", target: String = path) {
            cases.append(HostileRequest(function: path, category: category, label: label, method: method, target: target, headers: headers ?? identity, body: body))
        }
        func post(_ category: String, _ label: String, _ body: String, headers: [(String, [UInt8])]? = nil) {
            post(category, label, Array(body.utf8), headers: headers)
        }
        let valid = Array(Self.validStartBody.utf8)

        // Invalid JSON: every truncation point (stepping through the body), stray control bytes
        // (invalid anywhere in JSON), and syntax that lenient parsers accept but JSON does not.
        for cut in stride(from: 0, to: valid.count, by: 4) {
            post("invalid-json", "truncated to \(cut) bytes", Array(valid.prefix(cut)))
        }
        for position in stride(from: 0, to: valid.count, by: 14) {
            for stray: UInt8 in [0x00, 0x01, 0x1B] {
                var body = valid
                body.insert(stray, at: position)
                post("invalid-json", "byte \(stray) inserted at \(position)", body)
            }
        }
        for (label, body) in [
            ("single quotes", Self.validStartBody.replacingOccurrences(of: "\"", with: "'")),
            ("trailing comma", String(Self.validStartBody.dropLast()) + ",}"),
            ("a comment", "/* hi */" + Self.validStartBody),
            ("unquoted keys", #"{person_image:"https://example.com/p.jpg",garments:["https://example.com/g.jpg"]}"#),
            ("two documents", Self.validStartBody + Self.validStartBody),
            ("trailing garbage", Self.validStartBody + "x"),
            ("NaN", #"{"person_image":NaN,"garments":[]}"#), ("Infinity", #"{"person_image":"x","garments":Infinity}"#),
            ("an invalid escape", #"{"person_image":"https://example.com/\x41.jpg","garments":["https://example.com/g.jpg"]}"#),
            ("a cut \\u escape", #"{"person_image":"\u12"}"#), ("an unterminated string", #"{"person_image":"https://exa"#),
            ("only whitespace", " \n\t "), ("empty body", ""), ("just a quote", "\""), ("a lone }", "}"),
            ("hex number", #"{"person_image":0x10}"#), ("a leading zero", #"{"garments":01}"#),
        ] {
            post("invalid-json", label, body)
        }

        // Wrong types for every field, and each field missing.
        let wrongValues = ["1", "-1.5e308", "true", "false", "null", "[]", "{}", #"["https://example.com/p.jpg"]"#, #"{"url":"https://example.com/p.jpg"}"#, #""""#]
        for value in wrongValues {
            post("wrong-type", "person_image = \(value)", Self.startBody(person: value))
            post("wrong-type", "garments[0].image = \(value)", Self.startBody(image: value))
            if value != "null" {
                post("wrong-type", "garments[0].category = \(value)", Self.startBody(category: value))
            }
            if value != "null", value != #""""# {
                post("wrong-type", "prompt_hints = \(value)", Self.startBody(hints: value))
            }
        }
        for value in ["1", "true", "null", "{}", #""https://example.com/g.jpg""#, "[]", "[1]", "[null]", "[true]", "[[]]", #"[["https://example.com/g.jpg"]]"#, #"[{}]"#, #"[""]"#] {
            post("wrong-type", "garments = \(value)", Self.startBody(garments: value))
        }
        for value in ["[]", "1", #""a""#, "null", "true", #"[{"person_image":"https://example.com/p.jpg"}]"#] {
            post("wrong-type", "the whole body is \(value)", value)
        }
        post("missing-field", "no person_image", Self.startBody(person: nil))
        post("missing-field", "no garments", #"{"person_image":"https://example.com/person.jpg","prompt_hints":"x"}"#)
        post("missing-field", "garment without image", Self.startBody(image: nil))
        post("missing-field", "an empty object", "{}")
        post("missing-field", "keys in the wrong case", Self.validStartBody.replacingOccurrences(of: "person_image", with: "Person_Image"))

        // Duplicated keys: the same value twice, or a good value hiding a bad one (parsers disagree
        // on which wins, so neither may be accepted).
        let person = #""person_image":"https://example.com/person.jpg""#
        let garments = #""garments":[{"image":"https://example.com/shirt.jpg","category":"upper_body"}]"#
        for (label, body) in [
            ("person_image twice, same value", "{\(person),\(person),\(garments)}"),
            ("person_image twice, second bad", "{\(person),\(garments),\"person_image\":\"javascript:alert(1)\"}"),
            ("person_image twice, first bad", "{\"person_image\":\"file:///etc/passwd\",\(person),\(garments)}"),
            ("garments twice", "{\(person),\(garments),\(garments)}"),
            ("garments twice, second empty", "{\(person),\(garments),\"garments\":[]}"),
            ("image twice", #"{"person_image":"https://example.com/p.jpg","garments":[{"image":"https://example.com/a.jpg","image":"https://example.com/b.jpg"}]}"#),
            ("category twice", #"{"person_image":"https://example.com/p.jpg","garments":[{"image":"https://example.com/a.jpg","category":"upper_body","category":"dresses"}]}"#),
            ("prompt_hints twice", "{\(person),\(garments),\"prompt_hints\":\"a\",\"prompt_hints\":\"b\"}"),
            ("a key differing by an escape", "{\(person),\(garments),\"person\\u005fimage\":\"https://example.com/x.jpg\"}"),
        ] {
            post("duplicate-key", label, body)
        }

        // Huge bodies (the platform caps the event at 3.5 MB), long lists and long strings.
        post("huge-body", "4 MB of JSON", Array(Self.startBody(hints: Self.quoted(String(repeating: "h", count: 4_000_000))).utf8))
        post("huge-body", "3.5 MB + 1 byte", [UInt8](repeating: UInt8(ascii: " "), count: 3_584 * 1024 + 1))
        post("huge-body", "3 MB not declared JSON (base64 makes it 4 MB)", [UInt8](repeating: 0x42, count: 3_000_000),
             headers: .text([("X-User-Id", userId), ("Content-Type", "application/octet-stream")]))
        post("huge-body", "a 3.2 MB data URI", Self.startBody(person: Self.quoted("data:image/png;base64," + String(repeating: "A", count: 3_200_000))))
        post("huge-body", "6 garments", Self.startBody(garments: "[" + Array(repeating: #""https://example.com/g.jpg""#, count: 6).joined(separator: ",") + "]"))
        post("huge-body", "10000 garments", Self.startBody(garments: "[" + Array(repeating: #""https://example.com/g.jpg""#, count: 10_000).joined(separator: ",") + "]"))
        post("huge-body", "100000 members", "{" + (0..<100_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}")
        post("long-string", "prompt_hints of 501 characters", Self.startBody(hints: Self.quoted(String(repeating: "й", count: 501))))
        post("long-string", "prompt_hints of 1 MB", Self.startBody(hints: Self.quoted(String(repeating: "x", count: 1_000_000))))
        post("long-string", "person_image URL of 3000 bytes", Self.startBody(person: Self.quoted("https://example.com/" + String(repeating: "a", count: 3000))))
        post("long-string", "garment URL of 1 MB", Self.startBody(image: Self.quoted("https://example.com/" + String(repeating: "a", count: 1_000_000))))
        post("long-string", "category of 100 KB", Self.startBody(category: Self.quoted(String(repeating: "c", count: 100_000))))
        post("long-string", "a key of 1 MB", "{\(Self.quoted(String(repeating: "k", count: 1_000_000))):1}")

        // Deep nesting.
        for depth in [600, 10_000, 100_000] {
            post("deep-nesting", "\(depth) [", String(repeating: "[", count: depth))
            post("deep-nesting", "\(depth) nested arrays, closed", String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
            post("deep-nesting", "\(depth) nested objects", String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth))
            post("deep-nesting", "garments nested \(depth) deep", Self.startBody(garments: String(repeating: "[", count: depth) + String(repeating: "]", count: depth)))
        }

        // Image references the validator must refuse: other schemes, non-image data URIs, URLs that
        // are not URLs, and private-network hosts Replicate could never fetch.
        for url in Self.badImageURLs {
            post("bad-url", "person_image \(url.prefix(60))", Self.startBody(person: Self.quoted(url)))
            post("bad-url", "garment image \(url.prefix(60))", Self.startBody(image: Self.quoted(url)))
        }

        // SQL in fields whose values cannot be valid (a URL, a category), and in identity headers
        // on a body that is refused (a valid body would be stored verbatim, which a separate test checks).
        for injection in Self.sqlInjections {
            post("sql-injection", "person_image \(injection)", Self.startBody(person: Self.quoted(injection)))
            post("sql-injection", "category \(injection)", Self.startBody(category: Self.quoted("upper_body" + injection)))
            post("sql-injection", "garment string \(injection)", Self.startBody(garments: "[\(Self.quoted(injection))]"))
            post("sql-injection", "Idempotency-Key \(injection), body refused", #"{"person_image":"https://example.com/p.jpg","garments":[]}"#,
                 headers: identity + .text([("Idempotency-Key", injection)]))
            post("sql-injection", "X-User-Id \(injection), body without garments", #"{"person_image":"https://example.com/p.jpg"}"#,
                 headers: .text([("X-User-Id", injection), ("Content-Type", "application/json")]))
        }

        // Identity and idempotency headers.
        for (label, headers) in [
            ("no X-User-Id", [("Content-Type", "application/json")]),
            ("empty X-User-Id", [("X-User-Id", ""), ("Content-Type", "application/json")]),
            ("blank X-User-Id", [("X-User-Id", "   "), ("Content-Type", "application/json")]),
            ("X-User-Id of 129 bytes", [("X-User-Id", String(repeating: "u", count: 129)), ("Content-Type", "application/json")]),
            ("X-User-Id of 10 KB", [("X-User-Id", String(repeating: "u", count: 10_000)), ("Content-Type", "application/json")]),
            ("X-User-Id with a tab", [("X-User-Id", "a\tb"), ("Content-Type", "application/json")]),
            ("two X-User-Id headers", [("X-User-Id", userId), ("X-User-Id", "someone-else"), ("Content-Type", "application/json")]),
            ("X-User-Id as x_user_id (underscores are dropped)", [("X_User_Id", userId), ("Content-Type", "application/json")]),
            ("Idempotency-Key of 201 bytes", [("X-User-Id", userId), ("Idempotency-Key", String(repeating: "k", count: 201)), ("Content-Type", "application/json")]),
            ("empty Idempotency-Key", [("X-User-Id", userId), ("Idempotency-Key", ""), ("Content-Type", "application/json")]),
            ("Idempotency-Key with a space", [("X-User-Id", userId), ("Idempotency-Key", "a b"), ("Content-Type", "application/json")]),
            ("Idempotency-Key with non-ASCII", [("X-User-Id", userId), ("Idempotency-Key", "ключ"), ("Content-Type", "application/json")]),
        ] {
            post("identity", label, Self.validStartBody, headers: .text(headers))
        }
        for (label, sequence) in Self.invalidUTF8 {
            post("invalid-utf8", "\(label) in X-User-Id, valid body", valid,
                 headers: [("X-User-Id", Array("user".utf8) + sequence), ("Content-Type", Array("application/json".utf8))])
            post("invalid-utf8", "\(label) in Idempotency-Key, valid body", valid,
                 headers: identity + [("Idempotency-Key", Array("key".utf8) + sequence)])
            post("invalid-utf8", "\(label) inside prompt_hints", Array(#"{"person_image":"https://example.com/p.jpg","garments":["https://example.com/g.jpg"],"prompt_hints":"a"#.utf8) + sequence + Array(#""}"#.utf8))
            post("invalid-utf8", "\(label) inside a URL", Array(#"{"person_image":"https://example.com/p"#.utf8) + sequence + Array(#".jpg","garments":["https://example.com/g.jpg"]}"#.utf8))
            post("invalid-utf8", "\(label) not declared JSON, in prompt_hints",
                 Array(#"{"person_image":"https://example.com/p.jpg","garments":["https://example.com/g.jpg"],"prompt_hints":"a"#.utf8) + sequence + Array(#""}"#.utf8),
                 headers: .text([("X-User-Id", userId), ("Content-Type", "text/plain")]))
        }
        post("invalid-utf8", "a UTF-16 body", Array(Self.validStartBody.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))
        post("header-injection", "CR LF in Idempotency-Key (percent-encoded text), body refused", #"{"garments":[]}"#,
             headers: identity + .text([("Idempotency-Key", "a%0d%0aSet-Cookie:%20x=1")]))
        post("header-injection", "bare LF splitting X-User-Id", Array(Self.validStartBody.utf8),
             headers: [("X-User-Id", Array("\nX-Injected: 1".utf8)), ("Content-Type", Array("application/json".utf8))])

        // Methods and content types.
        for method in Self.oddMethods + ["GET", "HEAD"] {
            post("odd-method", method.count > 20 ? "a 200-letter method" : method, valid, method: method)
        }
        for (contentType, body) in [
            ("application/x-www-form-urlencoded", "person_image=https%3A%2F%2Fexample.com%2Fp.jpg&garments=x"),
            ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"person_image\"\r\n\r\nhttps://example.com/p.jpg\r\n--x--\r\n"),
            ("application/xml", "<person_image>https://example.com/p.jpg</person_image>"),
            ("text/html", "<script>alert(1)</script>"),
            ("image/png", "\u{89}PNG\r\n\u{1a}\n"),
            ("application/json; charset=utf-16", "{\"a\":1}"),
            ("application/jsonp", "cb({})"),
            ("application/json\r\nX-Injected: 1", "{}"),
            ("", "{}"),
            (String(repeating: "a/b;", count: 2000), "{}"),
        ] {
            post("odd-content-type", contentType.isEmpty ? "empty Content-Type" : String(contentType.prefix(40)), Array(body.utf8),
                 headers: .text([("X-User-Id", userId), ("Content-Type", contentType)]))
        }

        // The path: extra segments after the function.
        for extra in ["/x", "/../replicate-async-status", "/.git/config", "/%2e%2e/%2e%2e/etc/passwd", "/TryOnStartFunction.swift"] {
            post("path", "extra path \(extra)", valid, target: path + extra)
        }

        let refusedBody = Array(#"{"person_image":"#.utf8)
        cases += Self.transportCases(function: path, method: "POST", target: path, headers: identity, body: refusedBody)
        cases += Self.utf8HeaderCases(function: path, method: "POST", target: path, headers: identity, body: refusedBody, headerName: "X-Note")
        return cases
    }

    /// Image references that are not images the model can fetch.
    static let badImageURLs = [
        "javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", " javascript:alert(1)", "file:///etc/passwd", "ftp://example.com/p.jpg",
        "gopher://127.0.0.1:5432/_", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "data:image/png,notbase64",
        "data:image/png;base64,", "data:image/png;base64,!!!!", "data:application/pdf;base64,JVBERi0=", "data:;base64,AAAA",
        "https://", "https:///path.jpg", "https://@evil.example/p.jpg", "https://example.com/p.jpg\" onerror=\"alert(1)",
        "https://example.com/<script>.jpg", "https://example.com/a b.jpg", "https://example.com\\@evil.example/p.jpg",
        "http://127.0.0.1/p.jpg", "http://localhost:5432/", "http://LOCALHOST/p.jpg", "http://10.0.0.5/p.jpg",
        "http://192.168.1.1/p.jpg", "http://172.16.0.1/p.jpg", "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/p.jpg", "http://0.0.0.0/p.jpg", "http://2130706433/p.jpg", "http://0x7f000001/p.jpg", "http://127.1/p.jpg",
        "http://[::ffff:127.0.0.1]/p.jpg", "http://metadata.google.internal/computeMetadata/v1/", "http://user@localhost./p.jpg",
        "example.com/p.jpg", "//example.com/p.jpg", "", "   ",
    ]
}
