import Foundation
import Testing

@testable import FunctionRuntime

/// The one JSON writer (`JSONText` and `JSONValue.encoded`) and the order objects keep.
@Suite struct JSONWriteTests {
    @Test func objectsKeepTheOrderReadOrBuiltAndSortOnlyWhenAsked() throws {
        let text = #"{"b":1,"a":[true,false,null,-2.5,1e3],"s":"x\"y\\z\n\u00e9","o":{"z":1,"y":2}}"#
        let value = try JSONValue.parse(text)
        #expect(value.encoded(sortedKeys: false) == #"{"b":1,"a":[true,false,null,-2.5,1000],"s":"x\"y\\z\n\#u{e9}","o":{"z":1,"y":2}}"#)
        #expect(value.encoded() == #"{"a":[true,false,null,-2.5,1000],"b":1,"o":{"y":2,"z":1},"s":"x\"y\\z\n\#u{e9}"}"#)
        #expect(value.encodedBytes(sortedKeys: false) == Array(value.encoded(sortedKeys: false).utf8))
        let built: JSONValue = ["id": "p", "model": "m", "status": "starting"]
        #expect(built.encoded(sortedKeys: false) == #"{"id":"p","model":"m","status":"starting"}"#)
        #expect(try JSONValue.parse(value.encoded()) == value)
    }

    @Test func stringsEscapeQuotesBackslashesAndControlCharactersOnly() {
        #expect(JSONValue.string("\u{01}").encoded() == #""\u0001""#)
        #expect(JSONValue.string("a\"b\\c\n\r\t\u{08}\u{0C}\u{1F}").encoded() == #""a\"b\\c\n\r\t\u0008\u000c\u001f""#)
        #expect(JSONValue.string("x/y é 😀 \u{7F}").encoded() == "\"x/y é 😀 \u{7F}\"")
        #expect(JSONText.quoted("k\"") == #""k\"""#)
    }

    @Test func numbersPrintIntegralValuesWithoutAFractionAndNonFiniteOnesAsNull() {
        let numbers: [Double] = [200, -0.0, 2.5, -1234.5, 9_007_199_254_740_992, 1e300, 1.5e-7, .nan, .infinity]
        #expect(JSONValue.array(numbers.map(JSONValue.number)).encoded()
            == "[200,0,2.5,-1234.5,9007199254740992,1e+300,1.5e-07,null,null]")
        var text = JSONText()
        text.add("big", 1e15)
        text.add("value", ["b": 1, "a": 2] as JSONValue)
        text.add("sorted", ["b": 1, "a": 2] as JSONValue, sortedKeys: true)
        #expect(text.finish() == #"{"big":1000000000000000,"value":{"b":1,"a":2},"sorted":{"a":2,"b":1}}"#)
    }

    @Test func everyWrittenNumberReadsBackTheSame() throws {
        for number in [0.1, -7.25, 123_456_789.125, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 9_007_199_254_740_994, -1e20] {
            #expect(try JSONValue.parse(JSONValue.number(number).encoded()) == .number(number), "\(number)")
        }
    }

    @Test func codableEncodingKeepsTheMembers() throws {
        let value: JSONValue = ["b": [1, 2.5], "a": ["x": nil, "y": "z"], "t": true]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONValue.parse(Array(data)) == value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
    }
}

/// `JSONObject`: order, equality regardless of order, and lookups past the index threshold.
@Suite struct JSONObjectTests {
    @Test func equalityAndHashingIgnoreOrder() {
        let forward: JSONObject = ["a": 1, "b": [true], "c": ["d": nil]]
        let backward: JSONObject = ["c": ["d": nil], "b": [true], "a": 1]
        #expect(forward == backward)
        #expect(forward.hashValue == backward.hashValue)
        #expect(Set([JSONValue.object(forward), .object(backward)]).count == 1)
        #expect(forward != ["a": 1, "b": [true]])
        #expect(forward != ["a": 2, "b": [true], "c": ["d": nil]])
        #expect(forward.keys == ["a", "b", "c"])
        #expect(backward.keys == ["c", "b", "a"])
    }

    @Test func settingReplacesInPlaceAppendsOrRemoves() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 3
        object["c"] = 4
        #expect(object.keys == ["a", "b", "c"])
        #expect(object.values == [3, 2, 4])
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(!object.contains("b"))
        #expect(JSONObject([("x", 1), ("y", 2), ("x", 3)] as [(String, JSONValue)]).map(\.key) == ["x", "y"])
        #expect(JSONObject(["z": 1, "y": 2, "x": 3] as [String: JSONValue]).keys == ["x", "y", "z"])
    }

    @Test func manyMembersStayFoundAfterEveryKindOfChange() throws {
        let count = JSONObject.indexThreshold * 3
        var object = JSONObject()
        for index in 0..<count { object["k\(index)"] = .number(Double(index)) }
        #expect(object.count == count)
        #expect((0..<count).allSatisfy { object["k\($0)"] == .number(Double($0)) })
        object["k3"] = nil
        object["k20"] = "replaced"
        object["new"] = true
        #expect(object["k3"] == nil)
        #expect(object["k4"] == 4)
        #expect(object["k20"] == "replaced")
        #expect(object["new"] == true)
        #expect(object.keys.last == "new")
        while object.count > 2 { object[object.keys[0]] = nil }
        #expect(object.keys == ["k\(count - 1)", "new"])
        #expect(object["new"] == true)
        // A parse of a large object with a repeated key keeps one member for it.
        let text = "{" + (0..<count).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k5\":\"last\"}"
        let parsed = try #require(JSONValue.parse(text).objectValue)
        #expect(parsed.count == count)
        #expect(parsed["k5"] == "last")
        #expect(parsed.keys[5] == "k5")
    }
}
