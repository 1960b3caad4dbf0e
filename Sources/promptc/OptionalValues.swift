/// Options whose value may be left out (`--highpass` or `--highpass=150`), which
/// swift-argument-parser cannot declare: the bare form gets its default value here,
/// before parsing, and the parser sees an ordinary `--name=value` option.
enum OptionalValues {
    /// Option name and the value the bare option means.
    static let defaults: [String: String] = ["--highpass": "100"]

    /// The arguments with every bare optional-value option given its default, unless a
    /// number follows it (`--highpass 150` is the value 150, not a file named 150).
    /// Arguments after `--` are left alone (they are file names).
    static func expand(_ args: [String]) -> [String] {
        var out: [String] = []
        var literal = false
        for (i, a) in args.enumerated() {
            if a == "--" { literal = true }
            let next = i + 1 < args.count ? args[i + 1] : ""
            if !literal, let value = defaults[a], Double(next) == nil { out.append("\(a)=\(value)") } else { out.append(a) }
        }
        return out
    }
}
