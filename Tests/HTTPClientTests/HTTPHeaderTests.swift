import CCurl
import Testing

@testable import HTTPClient

/// Pure pieces, no network: header-line parsing, the accumulator, header-list building,
/// and the CURLcode mapping.
@Suite struct HTTPHeaderTests {
    private func withLine<T>(_ text: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        Array(text.utf8).withUnsafeBytes(body)
    }

    @Test func parsesNameAndTrimmedValue() {
        let header = withLine("Content-Type:  text/plain; charset=utf-8 \r\n") { HTTPHeader(rawLine: $0) }
        #expect(header == HTTPHeader(name: "Content-Type", value: "text/plain; charset=utf-8"))
        let colonInValue = withLine("Location: http://x/y?a=b:c\r\n") { HTTPHeader(rawLine: $0) }
        #expect(colonInValue?.value == "http://x/y?a=b:c")
        let empty = withLine("X-Empty:\r\n") { HTTPHeader(rawLine: $0) }
        #expect(empty == HTTPHeader(name: "X-Empty", value: ""))
    }

    @Test func rejectsBlankAndMalformedLines() {
        #expect(withLine("\r\n") { HTTPHeader(rawLine: $0) } == nil)
        #expect(withLine("no colon here\r\n") { HTTPHeader(rawLine: $0) } == nil)
        #expect(withLine(": no name\r\n") { HTTPHeader(rawLine: $0) } == nil)
    }

    @Test func recognisesStatusLines() {
        #expect(withLine("HTTP/1.1 200 OK\r\n") { HTTPHeader.isStatusLine($0) })
        #expect(withLine("HTTP/2 302\r\n") { HTTPHeader.isStatusLine($0) })
        #expect(!withLine("HTTP-Thing: 1\r\n") { HTTPHeader.isStatusLine($0) })
        #expect(!withLine("HTTP\r\n") { HTTPHeader.isStatusLine($0) })
    }

    @Test func accumulatorKeepsOnlyTheLastResponsesHeaders() {
        let accumulator = ResponseAccumulator(limit: 10)
        for line in [
            "HTTP/1.1 100 Continue\r\n", "\r\n",
            "HTTP/1.1 200 OK\r\n", "A: 1\r\n", "a: 2\r\n", "B: x\r\n", "\ty\r\n", "\r\n",
        ] {
            withLine(line) { accumulator.receiveHeaderLine($0) }
        }
        #expect(accumulator.headers.map(\.name) == ["A", "a", "B"])
        #expect(accumulator.headers.lastValue(for: "A") == "2")
        #expect(accumulator.headers.lastValue(for: "b") == "x y")
    }

    @Test func accumulatorEnforcesItsLimit() {
        let accumulator = ResponseAccumulator(limit: 10)
        #expect(withLine("123456") { accumulator.receiveBody($0) })
        #expect(withLine("7890") { accumulator.receiveBody($0) })
        #expect(!accumulator.limitExceeded)
        #expect(!withLine("1") { accumulator.receiveBody($0) })
        #expect(accumulator.limitExceeded)
        #expect(accumulator.body == Array("1234567890".utf8))
    }

    @Test func headerLinesSuppressExpectAndInventedContentType() {
        let get = HTTPClient.headerLines(for: HTTPClientRequest(url: "http://h/", headers: [
            HTTPHeader(name: "X-A", value: "1"), HTTPHeader(name: "X-Empty", value: ""),
        ]))
        #expect(get == ["X-A: 1", "X-Empty;", "Expect:"])

        let post = HTTPClient.headerLines(for: HTTPClientRequest(method: "POST", url: "http://h/", body: "x"))
        #expect(post == ["Expect:", "Content-Type:"])

        let typed = HTTPClient.headerLines(for: HTTPClientRequest(
            method: "PUT", url: "http://h/",
            headers: [HTTPHeader(name: "content-type", value: "a/b"), HTTPHeader(name: "EXPECT", value: "x")], body: "x"))
        #expect(typed == ["content-type: a/b", "EXPECT: x"])
    }

    @Test func curlCodesMapToCodes() {
        let table: [(CURLcode, Bool, HTTPClientError.Code)] = [
            (CURLE_OPERATION_TIMEDOUT, false, .timedOut),
            (CURLE_COULDNT_CONNECT, false, .couldNotConnect),
            (CURLE_COULDNT_RESOLVE_HOST, false, .couldNotResolve),
            (CURLE_WRITE_ERROR, true, .responseTooLarge),
            (CURLE_WRITE_ERROR, false, .transport),
            (CURLE_FILESIZE_EXCEEDED, false, .responseTooLarge),
            (CURLE_GOT_NOTHING, false, .connectionLost),
            (CURLE_RECV_ERROR, false, .connectionLost),
            (CURLE_SEND_ERROR, false, .connectionLost),
            (CURLE_PARTIAL_FILE, false, .connectionLost),
            (CURLE_URL_MALFORMAT, false, .invalidRequest),
            (CURLE_SSL_CONNECT_ERROR, false, .transport),
        ]
        for (curlCode, capHit, expected) in table {
            let error = HTTPClientError(curlCode: curlCode, operation: "op", responseCapHit: capHit)
            #expect(error.code == expected, "CURLcode \(curlCode.rawValue)")
            #expect(error.curlCode == Int32(curlCode.rawValue))
            #expect(error.message.hasPrefix("op: "))
        }
    }
}
