import TextPositions

/// Maps positions in rendered output back to the template, so an error found in the output
/// (e.g. by the Logstash parser) can be reported at the template's own line.
public struct SourceMap: Sendable {
    /// A run of output produced by one text node (`verbatim`, mapped byte for byte) or by one
    /// action (mapped to the action's opening delimiter).
    struct Segment: Sendable {
        let outputStart: Int
        let templateOffset: Int
        let verbatim: Bool
    }

    let segments: [Segment]
    let output: LineIndex
    let template: LineIndex

    /// The template position that produced the output character at `line`:`column` (1-based,
    /// column in characters); nil when the line is outside the output.
    public func templatePosition(forOutputLine line: Int, column: Int) -> TextPosition? {
        guard let offset = output.offset(line: line, column: column) else { return nil }
        return templatePosition(forOutputOffset: offset)
    }

    /// The template line of an output line, judged by its first non-blank character.
    public func templateLine(forOutputLine line: Int) -> Int? {
        guard line >= 1, line <= output.lineCount else { return nil }
        let range = output.lineRange(line)
        let offset = range.first { output.bytes[$0] != 0x20 && output.bytes[$0] != 0x09 && output.bytes[$0] != 0x0D }
        return templatePosition(forOutputOffset: offset ?? range.lowerBound)?.line
    }

    /// The template position that produced the output byte at `offset`: the same byte for text
    /// copied from the template, the action's opening delimiter for output an action produced.
    public func templatePosition(forOutputOffset offset: Int) -> TextPosition? {
        var lo = 0
        var hi = segments.count - 1
        guard hi >= 0, segments[0].outputStart <= offset else { return nil }
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if segments[mid].outputStart <= offset { lo = mid } else { hi = mid - 1 }
        }
        let segment = segments[lo]
        let delta = segment.verbatim ? offset - segment.outputStart : 0
        return template.position(of: segment.templateOffset + delta)
    }
}
