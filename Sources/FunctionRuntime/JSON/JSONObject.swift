/// A JSON object's members in the order they were written or added, each key once.
///
/// Order is kept so that a document read and written again (an echoed request, a served schema)
/// reads as it came, and an answer built member by member (a Replicate prediction, `id` first)
/// comes out in that order. Equality and hashing ignore order: two objects are equal when they
/// hold the same keys with equal values, as JSON objects are unordered.
///
/// Setting a key that is already present replaces its value where it stands; this is also how a
/// parse keeps a repeated key (its last value, at its first position, as Python's `json` does).
/// Lookups scan the members of a small object and use a key index once it has more than
/// `indexThreshold` (8) members, so a parse of an object with many members stays linear.
public struct JSONObject: Sendable {
    public typealias Member = (key: String, value: JSONValue)

    private var members: [Member]
    /// Position of each key in `members`; empty while the object is small enough to scan.
    private var positions: [String: Int]

    /// Most members looked up by a scan rather than through `positions`.
    static let indexThreshold = 8

    /// An empty object; `capacity`: members to reserve room for.
    public init(capacity: Int = 0) {
        members = []
        members.reserveCapacity(capacity)
        positions = [:]
    }

    /// The members of `dictionary`, ordered by key (a dictionary has no order of its own to keep).
    public init(_ dictionary: [String: JSONValue]) {
        self.init(capacity: dictionary.count)
        for (key, value) in dictionary.sorted(by: { $0.key < $1.key }) { self[key] = value }
    }

    /// The members of `pairs` in their order; a repeated key keeps its last value at its first position.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        self.init(capacity: pairs.underestimatedCount)
        for (key, value) in pairs { self[key] = value }
    }

    /// The value for `key`, or nil. Setting a present key replaces its value in place, setting a
    /// new key appends it, setting nil removes the key.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let index = position(of: key) {
                if let newValue {
                    members[index].value = newValue
                } else {
                    members.remove(at: index)
                    reindex()
                }
            } else if let newValue {
                append(key, newValue)
            }
        }
    }

    /// Whether `key` is present.
    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The values in order.
    public var values: [JSONValue] { members.map(\.value) }

    /// The members ordered by key (the order `JSONValue.encoded()` writes by default).
    public func sortedByKey() -> [Member] { members.sorted { $0.key < $1.key } }

    /// Adds a key known not to be present (the caller has checked).
    mutating func append(_ key: String, _ value: JSONValue) {
        members.append((key, value))
        if !positions.isEmpty {
            positions[key] = members.count - 1
        } else if members.count > Self.indexThreshold {
            reindex()
        }
    }

    private func position(of key: String) -> Int? {
        if positions.isEmpty { return members.firstIndex { $0.key == key } }
        return positions[key]
    }

    private mutating func reindex() {
        positions = [:]
        guard members.count > Self.indexThreshold else { return }
        positions.reserveCapacity(members.count)
        for (index, member) in members.enumerated() { positions[member.key] = index }
    }
}

extension JSONObject: RandomAccessCollection {
    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> Member { members[position] }
}

extension JSONObject: Hashable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.count == rhs.count && lhs.allSatisfy { rhs[$0.key] == $0.value }
    }

    /// Order-independent: each member is hashed on its own and the results are combined by XOR.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(member.key)
            memberHasher.combine(member.value)
            combined ^= memberHasher.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// The members in the order written; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).encoded(sortedKeys: false) }
}
