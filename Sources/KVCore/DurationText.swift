/// Durations written like `30s`, `30m`, `2h` or `1h30m` (units s, m, h, d): `soak:` and `kvctl agent --interval`.
public enum DurationText {
    /// The seconds `raw` says, at most `limit`; nil when it is no such duration.
    public static func seconds(_ raw: String, limit: Int = 366 * 86400) -> Int? {
        var seconds = 0, number = "", any = false
        for character in raw {
            if character.isASCII && character.isNumber {
                number.append(character)
                continue
            }
            guard let unit = ["s": 1, "m": 60, "h": 3600, "d": 86400][String(character)], number.count <= 9,
                  let value = Int(number), seconds <= limit else { return nil }
            seconds += value * unit
            number = ""
            any = true
        }
        return any && number.isEmpty && seconds <= limit ? seconds : nil
    }
}
