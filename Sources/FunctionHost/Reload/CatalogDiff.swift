import FunctionRuntime

/// How a re-read catalog differs from the one being served: which functions are new, gone, or
/// served differently (configuration, language or uuid changed). Pure.
public struct CatalogDiff: Sendable, Equatable {
    public var added: [FunctionSpec] = []
    public var removed: [String] = []
    public var changed: [FunctionSpec] = []

    public init(old: [FunctionSpec], new: [FunctionSpec]) {
        let previous = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Set(new.map(\.name))
        for spec in new {
            if let before = previous[spec.name] {
                if before != spec { changed.append(spec) }
            } else {
                added.append(spec)
            }
        }
        removed = old.map(\.name).filter { !names.contains($0) }
    }

    /// Whether nginx's configuration must be written again (routes or timeouts changed).
    public var changesRoutes: Bool { !added.isEmpty || !removed.isEmpty || !changed.isEmpty }
}
