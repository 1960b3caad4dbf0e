import ArgumentParser
import AudioIO
import DSP
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import PromptKit

struct Play: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play recordings and prompts through the sound card.",
        usage: "promptc play FILE... [--as-caller[=FORMAT]] [--device NAME] [-q]",
        discussion: """
        Plays any input promptc reads, or a prompt, through ALSA's default device (on a \
        desktop it reaches PulseAudio or PipeWire). --as-caller plays it as a caller \
        hears it: through the prompt's own codec, or for a recording through A-law at \
        8 kHz (--as-caller=g722 for a wideband phone, or any prompt format).

        Examples:
          promptc play welcome.mp3
          promptc play /var/lib/asterisk/sounds/en/custom/*.alaw
          promptc play memo.m4a --as-caller
          promptc play memo.m4a --as-caller=g722 --device plughw:1,0
        """)

    @Argument(help: "Recordings or prompts to play, one after another.")
    var files: [String]

    @Option(name: .customLong("as-caller"), help: ArgumentHelp("Play it as a caller hears it, through this prompt format (--as-caller alone: the prompt's own codec; A-law for a recording).", valueName: "format"))
    var asCaller: String?

    @Option(help: ArgumentHelp("The ALSA device: default, null, plughw:CARD,DEV, or a name from 'aplay -L'.", valueName: "name"))
    var device = "default"

    @Flag(name: .shortAndLong, help: "Say nothing but errors.")
    var quiet = false

    func validate() throws {
        if let a = asCaller, a != "auto" {
            guard let f = PromptFormat(rawValue: a), f.spec.isPrompt else {
                throw ValidationError("--as-caller takes a prompt format: \(PromptFormat.all.filter(\.spec.isPrompt).map(\.rawValue).joined(separator: ", ")).")
            }
        }
    }

    func run() throws {
        var err = StandardError()
        for file in files {
            var path = file, heard = ""
            var temporary: String?
            defer { if let t = temporary { unlink(t) } }
            if let a = asCaller {
                let format = a == "auto" ? Listening.callerFormat(forInput: file) : PromptFormat(rawValue: a)!
                let made = try Listening.asCaller(file, format: format)
                path = made.path
                if made.temporary { temporary = made.path }
                heard = ", as a caller hears it (\(format.rawValue), \(format.sampleRate) Hz)"
            }
            let source = try AudioDecoder.open(path)
            let channels = source.channels <= 2 ? source.channels : 1
            let device: SoundDevice
            do {
                device = try SoundDevice(device: self.device, rate: source.sampleRate, channels: channels)
            } catch let e as SoundDevice.Failure where e.noDevice {
                throw ConversionError.failed("\(e.description); to listen on another machine: promptc verify \(file) --source \(file) --report listen.html, or promptc convert \(file) -o listen.mp3")
            }
            if !quiet {
                let seconds = source.frameCount.map { formatted(", %.2f s", Double($0) / Double(source.sampleRate)) } ?? ""
                print("playing \(file): \(source.formatDescription)\(seconds)\(heard)", to: &err)
            }
            // More than two channels: their mean, as a conversion mixes them.
            let mixer = channels == source.channels ? nil : ChannelMixer(channels: source.channels)
            var mixed: [Float] = []
            try source.forEachBlock { block, _ in
                guard let mixer else { return try device.play(block) }
                mixed.removeAll(keepingCapacity: true)
                mixer.process(block, into: &mixed)
                try mixed.withUnsafeBufferPointer { try device.play($0) }
            }
            device.finish()
        }
    }
}
