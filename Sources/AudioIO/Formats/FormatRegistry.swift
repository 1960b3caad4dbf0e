/// The one place that lists formats. Adding an input or output format is one file
/// (its reader or writer with its registry entry) plus one line here.
public enum FormatRegistry {
    /// Inputs, in the order ties between equally strong probes are settled.
    public static let inputs: [InputFormat] = [.mpegAudio, .sndfile, .asteriskRaw, .gsm, .g722, .g729, .mp4, .amr, .adts, .webm, .recognisedContainers]

    /// Outputs, in the order help texts list them.
    public static let outputs: [OutputFormat] = [
        .alaw, .ulaw, .gsm, .g722, .g729, .sln, .sln12, .sln16, .sln24, .sln32, .sln44, .sln48, .sln96, .sln192,
        .wav, .wav16, .mp3,
    ]

    /// Extensions of audio files promptc cannot read yet: a file named like this that does
    /// not decode is a failure in batch, not "not audio".
    static let otherAudioExtensions: Set<String> = ["opus", "oga", "caf"]

    /// Whether a file with this extension (any case) is meant to be audio.
    public static func looksLikeAudio(extension ext: String) -> Bool {
        let e = ext.lowercased()
        return inputs.contains { $0.extensions.contains(e) } || outputs.contains { $0.extensions.contains(e) }
            || otherAudioExtensions.contains(e)
    }

    /// The file formats Asterisk 22 registers (`core show file formats`): the codec it
    /// reads the file as, its format name and the extensions it looks for, lower case only.
    public static let asteriskFileFormats: [(codec: String, name: String, extensions: [String])] = [
        ("g722", "g722", ["g722"]), ("ulaw", "au", ["au"]), ("alaw", "alaw", ["alaw", "al", "alw"]),
        ("ulaw", "pcm", ["pcm", "ulaw", "ul", "mu", "ulw"]),
        ("g726", "g726-16", ["g726-16"]), ("g726", "g726-24", ["g726-24"]), ("g726", "g726-32", ["g726-32"]), ("g726", "g726-40", ["g726-40"]),
        ("siren7", "siren7", ["siren7"]), ("h263", "h263", ["h263"]), ("g729", "g729", ["g729"]), ("ilbc", "iLBC", ["ilbc"]),
        ("siren14", "siren14", ["siren14"]), ("h264", "h264", ["h264"]), ("g719", "g719", ["g719"]), ("g723", "g723sf", ["g723", "g723sf"]),
        ("adpcm", "vox", ["vox"]),
        ("slin192", "sln192", ["sln192"]), ("slin96", "sln96", ["sln96"]), ("slin48", "sln48", ["sln48"]), ("slin44", "sln44", ["sln44"]),
        ("slin32", "sln32", ["sln32"]), ("slin24", "sln24", ["sln24"]), ("slin16", "sln16", ["sln16"]), ("slin12", "sln12", ["sln12"]),
        ("slin", "sln", ["sln", "slin", "raw"]), ("gsm", "gsm", ["gsm"]), ("slin", "ogg_vorbis", ["ogg"]),
        ("slin16", "wav16", ["wav16"]), ("slin", "wav", ["wav"]), ("gsm", "wav49", ["WAV", "wav49"]),
    ]

    /// The codec Asterisk reads a file with this extension as (`slin` for `.wav` and
    /// `.sln`), or nil when Asterisk does not look for it. Two files of one prompt with the
    /// same codec are both opened for a call and the one opened last plays.
    public static func asteriskCodec(extension ext: String) -> String? {
        asteriskFileFormats.first { $0.extensions.contains(ext) }?.codec
    }

    /// Whether Asterisk looks for files with this extension (exactly; case matters).
    public static func asteriskPlays(extension ext: String) -> Bool {
        asteriskFileFormats.contains { $0.extensions.contains(ext) }
    }
}
