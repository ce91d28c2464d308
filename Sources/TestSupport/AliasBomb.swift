/// "Billion laughs" YAML: `levels` anchored lists of `fanout` items, each item an alias to the list
/// before, so a few hundred bytes stand for `fanout ^ levels` scalars.
public func aliasBomb(levels: Int = 9, fanout: Int = 9, indent: String = "") -> String {
    var lines = ["\(indent)l0: &l0 [" + Array(repeating: "\"lol\"", count: fanout).joined(separator: ", ") + "]"]
    for level in 1..<levels {
        lines.append("\(indent)l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: fanout).joined(separator: ", ") + "]")
    }
    return lines.joined(separator: "\n") + "\n"
}
