import AudioIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The ffmpeg command line that admins use today, understood as written:
/// `promptc -i in.mp3 -acodec pcm_alaw -f alaw -ac 1 -ar 8000 -vn out.alaw`.
/// Replacing `ffmpeg` by `promptc` in such a line is the whole migration.
public struct FFmpegCommand: Equatable, Sendable {
    public var input: String
    public var output: OutputTarget
    /// Options given before `-i` describe a headerless input (`-f alaw -ar 8000 -i in.raw`).
    public var rawInput: RawFormat?
    public var overwrite: Bool
    public var quiet: Bool
    /// What `-af` asks for, in promptc's terms.
    public var filters = AudioFilters()
    /// `-ss` and `-t` (or `-to`): the piece to keep, seconds.
    public var start: Double?
    public var duration: Double?

    /// The `-af` filters promptc runs: `highpass` (promptc's 4th-order filter at `f`),
    /// `loudnorm` (normalization to `I`, default -24 LUFS as in ffmpeg, true peak capped
    /// at `TP`, default -2 dBTP as in ffmpeg), `volume` (a factor or `NdB`).
    public struct AudioFilters: Equatable, Sendable {
        public var highpass: Double?
        public var normalize: Double?
        public var ceiling: Double?
        public var gainDB: Double?
        /// `silenceremove`: the pad kept around the sound, seconds, and which ends to trim.
        public var trim: Double?
        public init() {}

        /// Parses a filter chain as scripts write it: `highpass=f=100,loudnorm=I=-16:TP=-1.5,volume=2`.
        public static func parse(_ chain: String) throws -> AudioFilters {
            var f = AudioFilters()
            for filter in chain.split(separator: ",").map({ String($0.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }) {
                let parts = filter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let name = parts[0]
                guard !name.isEmpty else { throw ConversionError.usage("-af '\(chain)': a filter without a name") }
                // Arguments: "key=value:key=value", or a first value without its key.
                var args: [String: String] = [:]
                for (k, item) in (parts.count > 1 ? parts[1].split(separator: ":").map(String.init) : []).enumerated() {
                    let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    args[kv.count == 2 ? kv[0] : "#\(k)"] = kv.last!
                }
                func number(_ keys: [String], _ what: String) throws -> Double? {
                    guard let text = keys.lazy.compactMap({ args[$0] }).first else { return nil }
                    guard let v = Double(text), v.isFinite else { throw ConversionError.usage("-af \(name): \(what) '\(text)' is not a number") }
                    return v
                }
                switch name {
                case "highpass":
                    let hz = try number(["f", "frequency", "#0"], "the frequency") ?? 3000
                    guard hz >= 10 && hz <= 1000 else { throw ConversionError.usage("-af highpass: promptc's high-pass takes 10 to 1000 Hz, not \(hz)") }
                    f.highpass = hz
                case "loudnorm":
                    f.normalize = try number(["I", "i"], "the loudness") ?? -24
                    f.ceiling = try number(["TP", "tp"], "the true peak") ?? -2
                    guard (-70...0).contains(f.normalize!), (-9...0).contains(f.ceiling!) else {
                        throw ConversionError.usage("-af loudnorm: I takes -70 to 0 LUFS and TP -9 to 0 dBTP")
                    }
                case "volume":
                    let text = args["volume"] ?? args["#0"] ?? "1"
                    if text.lowercased().hasSuffix("db"), let db = Double(text.dropLast(2)), db.isFinite {
                        f.gainDB = (f.gainDB ?? 0) + db
                    } else if let v = Double(text), v > 0, v.isFinite {
                        f.gainDB = (f.gainDB ?? 0) + 20 * log10(v)
                    } else {
                        throw ConversionError.usage("-af volume: '\(text)' is not a positive factor or a gain such as 6dB")
                    }
                case "silenceremove":
                    // promptc finds the sound by its own activity measure (the thresholds are
                    // not needed) and trims the ends only: the forms that cut pauses inside
                    // (stop_periods=-1) are refused.
                    let positional = ["#0": "start_periods", "#1": "start_duration", "#2": "start_threshold", "#3": "stop_periods"]
                    var named: [String: String] = [:]
                    for (k, v) in args { named[positional[k] ?? k] = v }
                    let known: Set = ["start_periods", "start_duration", "start_threshold", "start_silence", "start_mode",
                                      "stop_periods", "stop_duration", "stop_threshold", "stop_silence", "stop_mode", "detection", "window"]
                    if let unknown = named.keys.first(where: { !known.contains($0) }) {
                        throw ConversionError.usage("-af silenceremove: promptc does not take '\(unknown)'")
                    }
                    let stop = try named["stop_periods"].map { t -> Int in
                        guard let v = Int(t) else { throw ConversionError.usage("-af silenceremove: stop_periods '\(t)' is not a whole number") }
                        return v
                    } ?? 0
                    if stop < 0 {
                        throw ConversionError.usage("-af silenceremove: stop_periods=\(stop) removes pauses inside the prompt; promptc trims only its start and end (stop_periods=1)")
                    }
                    var pad = 0.0
                    for key in ["start_silence", "stop_silence"] {
                        if let t = named[key] {
                            guard let v = FFmpegCommand.seconds(t), v <= 10 else { throw ConversionError.usage("-af silenceremove: \(key) '\(t)' is not a time") }
                            pad = max(pad, v)
                        }
                    }
                    f.trim = pad
                default:
                    throw ConversionError.usage("-af \(name): promptc runs the audio filters highpass, loudnorm, volume and silenceremove (see promptc convert --help for the rest)")
                }
            }
            return f
        }
    }

    /// The options understood, for the error message about others.
    public static let supportedOptions =
        "-i, -f, -acodec/-c:a/-codec:a, -ar, -ac, -ss, -t, -to, -af/-filter:a (highpass, loudnorm, volume, silenceremove), -y, -n, -vn, -sn, -dn, -loglevel/-v, -hide_banner, -nostdin, -nostats"

    /// True when an argument list looks like an ffmpeg command rather than a subcommand.
    public static func matches(_ args: [String]) -> Bool {
        guard let first = args.first else { return false }
        return first.hasPrefix("-") && args.contains("-i") && !["-h", "--help", "--version"].contains(first)
    }

    /// A time as ffmpeg takes it: seconds (`1.5`, `90`) or `[HH:]MM:SS[.mmm]`; nil when it is
    /// neither, negative, or beyond a day.
    public static func seconds(_ text: String) -> Double? {
        let parts = text.trimmedSpaces().split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var total = 0.0
        for (i, p) in parts.enumerated() {
            let last = i == parts.count - 1
            guard !p.isEmpty, let v = last ? Double(p) : Double(Int(p) ?? -1), v >= 0, v.isFinite else { return nil }
            if parts.count > 1 && i > 0 && v >= 60 { return nil }
            total = total * 60 + v
        }
        return total <= 86_400 ? total : nil
    }

    public static func parse(_ args: [String]) throws -> FFmpegCommand {
        var input: String?
        var positional: [String] = []
        var format: String?, codec: String?, rate: Int?, channels: Int?
        var inFormat: String?, inRate: Int?, inChannels: Int?
        var overwrite = false, quiet = false
        var start: Double?, duration: Double?, end: Double?
        var filters = AudioFilters()
        var i = 0
        func value(_ name: String) throws -> String {
            i += 1
            guard i < args.count else { throw ConversionError.usage("option \(name) needs a value") }
            return args[i]
        }
        func number(_ name: String) throws -> Int {
            let v = try value(name)
            guard let n = Int(v), n > 0 else { throw ConversionError.usage("option \(name) needs a positive whole number, not '\(v)'") }
            return n
        }
        // A rate as ffmpeg takes it: 8000, or with a k suffix (8k, 16k, 44.1k).
        func rateNumber(_ name: String) throws -> Int {
            let v = try value(name)
            let k = v.hasSuffix("k") || v.hasSuffix("K")
            guard let d = Double(k ? String(v.dropLast()) : v), d > 0, d.isFinite, d * (k ? 1000 : 1) < 1e7,
                  (d * (k ? 1000 : 1)).rounded() == d * (k ? 1000 : 1) else {
                throw ConversionError.usage("option \(name) needs a rate in Hz such as 8000 or 8k, not '\(v)'")
            }
            return Int(d * (k ? 1000 : 1))
        }
        while i < args.count {
            let a = args[i]
            let beforeInput = input == nil
            switch a {
            case "-i":
                let next = try value(a)
                if let first = input {
                    throw ConversionError.usage("two inputs (-i \(first) and -i \(next)): promptc converts one input to one output; give a single -i")
                }
                // ffmpeg's names for standard input.
                input = next == "pipe:" || next == "pipe:0" ? "-" : next
            case "-f": if beforeInput { inFormat = try value(a) } else { format = try value(a) }
            case "-acodec", "-c:a", "-codec:a", "-c", "-codec": codec = try value(a)
            case "-ar": if beforeInput { inRate = try rateNumber(a) } else { rate = try rateNumber(a) }
            case "-ac": if beforeInput { inChannels = try number(a) } else { channels = try number(a) }
            case "-af", "-filter:a", "-filter_complex": filters = try AudioFilters.parse(try value(a))
            case "-ss", "-t", "-to":
                let v = try value(a)
                guard let t = seconds(v) else { throw ConversionError.usage("option \(a) needs a time in seconds or [HH:]MM:SS[.mmm], not '\(v)'") }
                switch a { case "-ss": start = t; case "-t": duration = t; default: end = t }
            case "-y": overwrite = true
            case "-n": overwrite = false
            case "-vn", "-sn", "-dn", "-hide_banner", "-nostdin", "-nostats": break
            case "-loglevel", "-v":
                let level = try value(a).split(separator: "+").last.map(String.init) ?? ""
                quiet = ["quiet", "panic", "fatal", "error", "-8", "0", "8", "16"].contains(level)
            default:
                if a.hasPrefix("-") && a != "-" {
                    throw ConversionError.usage("unsupported ffmpeg option \(a); promptc understands \(supportedOptions)")
                }
                positional.append(a)
            }
            i += 1
        }
        guard let inPath = input else { throw ConversionError.usage("no input: give it with -i FILE") }
        guard positional.count == 1, var outPath = positional.first else {
            throw ConversionError.usage(positional.isEmpty ? "no output file given" : "one output file expected, got \(positional.joined(separator: " "))")
        }
        if outPath == "pipe:" || outPath == "pipe:1" { outPath = "-" }   // ffmpeg's names for standard output
        if let c = channels, c != 1 { throw ConversionError.usage("-ac \(c): promptc writes mono prompts only (-ac 1)") }
        if let r = rate, r != 8000 && r != 16000 { throw ConversionError.usage("-ar \(r): promptc writes 8000 or 16000 Hz prompts") }

        // Output format: -f, else the codec, else the extension.
        var kind: PromptFormat?
        switch format {
        case "alaw": kind = .alaw
        case "mulaw": kind = .ulaw
        case "s16le": kind = .sln
        case "wav": kind = .wav
        case "mp3": kind = .mp3
        case nil: break
        case let f?: throw ConversionError.usage("-f \(f): output formats are alaw, mulaw, s16le, wav, mp3")
        }
        if kind == nil {
            switch codec {
            case "pcm_alaw": kind = .alaw
            case "pcm_mulaw": kind = .ulaw
            case "pcm_s16le": kind = [.wav, .wav16].contains(PromptFormat.forExtension(AudioDecoder.fileExtension(outPath))) ? .wav : .sln
            case "libmp3lame", "mp3": kind = .mp3
            case nil: kind = PromptFormat.forExtension(AudioDecoder.fileExtension(outPath))
            case let c?: throw ConversionError.usage("-acodec \(c): codecs are pcm_alaw, pcm_mulaw, pcm_s16le, libmp3lame")
            }
        } else if let c = codec {
            let fits: [PromptFormat: [String]] = [.alaw: ["pcm_alaw"], .ulaw: ["pcm_mulaw"], .sln: ["pcm_s16le"],
                                                  .wav: ["pcm_s16le", "pcm_alaw", "pcm_mulaw"], .mp3: ["libmp3lame", "mp3"]]
            if !(fits[kind!] ?? []).contains(c) { throw ConversionError.usage("-acodec \(c) does not fit -f \(format!)") }
            if kind == .wav && c != "pcm_s16le" {
                throw ConversionError.usage("-f wav -acodec \(c): Asterisk plays only 16-bit PCM WAV; use -acodec pcm_s16le or -f alaw")
            }
        }
        guard var out = kind else {
            throw ConversionError.usage("\(outPath): cannot tell the output format; give -f alaw, mulaw, s16le, wav or mp3")
        }
        if rate == 16000 {
            switch out {
            case .sln: out = .sln16
            case .wav: out = .wav16
            default: throw ConversionError.usage("-ar 16000: \(out.rawValue) output is 8000 Hz only (16 kHz goes to s16le or wav)")
            }
        }

        if let mismatch = OutputTarget.nameMismatch(path: outPath, format: out) {
            throw ConversionError.usage(mismatch)
        }

        var raw: RawFormat?
        if let f = inFormat {
            let encodings: [String: RawEncoding] = ["alaw": .alaw, "mulaw": .ulaw, "s16le": .s16le, "s16be": .s16be, "f32le": .f32le]
            guard let e = encodings[f] else { throw ConversionError.usage("-f \(f) before -i: raw input formats are alaw, mulaw, s16le, s16be, f32le") }
            raw = RawFormat(encoding: e, sampleRate: inRate ?? 8000, channels: inChannels ?? 1)
        }
        var command = FFmpegCommand(input: inPath, output: OutputTarget(path: outPath, format: out), rawInput: raw,
                                    overwrite: overwrite, quiet: quiet)
        command.filters = filters
        if let e = end {
            guard e > (start ?? 0) else { throw ConversionError.usage("-to \(formatted("%g", e)) is not after -ss \(formatted("%g", start ?? 0))") }
            if duration == nil { duration = e - (start ?? 0) }   // as ffmpeg: -t wins over -to
        }
        command.start = start
        command.duration = duration
        return command
    }
}
