/// Options whose value may be left out (`--highpass` or `--highpass=150`), which
/// swift-argument-parser cannot declare: the bare form gets its default value here,
/// before parsing, and the parser sees an ordinary `--name=value` option.
import AudioIO
import PromptKit

enum OptionalValues {
    /// Option name and the value the bare option means.
    static let defaults: [String: String] = [
        "--highpass": "100", "--normalize": formatted("%.1f", SoundsDoctor.stockLoudness),
        "--limit": formatted("%.1f", ConversionOptions.defaultLimit), "--trim": formatted("%g", ConversionOptions.telephonyTrim * 1000),
        "--denoise": "\(ConversionOptions.defaultDenoise)", "--as-caller": "auto",
    ]

    /// True when `text` is a value of the option `name` rather than the next argument.
    static func isValue(_ text: String, of name: String) -> Bool {
        switch name {
        case "--normalize": LoudnessTarget(text) != nil
        case "--as-caller": false   // a format name could be a file name: only --as-caller=FORMAT
        default: Double(text) != nil
        }
    }

    /// The arguments with every bare optional-value option given its default, unless a
    /// number follows it (`--highpass 150` is the value 150, not a file named 150).
    /// Arguments after `--` are left alone (they are file names).
    static func expand(_ args: [String]) -> [String] {
        var out: [String] = []
        var literal = false, i = 0
        while i < args.count {
            let a = args[i], next = i + 1 < args.count ? args[i + 1] : ""
            if a == "--" { literal = true }
            if !literal, let value = defaults[a] {
                // A value given separately is joined on, so a negative one (-23) is not taken for a flag.
                let given = isValue(next, of: a)
                out.append("\(a)=\(given ? next : value)")
                i += given ? 2 : 1
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }
}
