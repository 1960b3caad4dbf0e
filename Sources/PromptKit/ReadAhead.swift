import AudioIO
import DSP
import Foundation

/// Decodes on its own thread ahead of the DSP, and runs the first stages of the chain
/// (mixdown, guards) there too, handing over finished mono blocks through a fixed pool:
/// the decoder and the resampler then run on two cores at once, and memory stays at
/// `depth` blocks whatever the input's length.
final class ReadAhead: BlockProducer, @unchecked Sendable {
    private let source: AudioSource
    private let front: StageChain
    private let blockFrames: Int
    private var interleaved: [Float]
    private let condition = NSCondition()
    private var filled: [(samples: [Float], frames: Int)] = []   // chain output, input frames it came from
    private var pool: [[Float]]
    private var finished = false
    private var cancelled = false
    private var failure: Error?

    init(source: AudioSource, front: StageChain, blockFrames: Int, depth: Int = 4) {
        self.source = source
        self.front = front
        self.blockFrames = blockFrames
        interleaved = [Float](repeating: 0, count: blockFrames * source.channels)
        pool = Array(repeating: [], count: depth)
        let thread = Thread { [self] in self.produce() }
        thread.name = "promptc-decoder"
        thread.start()
    }

    private func produce() {
        while true {
            condition.lock()
            while pool.isEmpty && !cancelled { condition.wait() }
            if cancelled { condition.unlock(); return }
            var block = pool.removeLast()
            condition.unlock()
            do {
                let n = try interleaved.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, frames: blockFrames) }
                block.removeAll(keepingCapacity: true)
                if n == 0 {
                    front.drain(into: &block)
                } else {
                    let count = n * source.channels
                    interleaved.withUnsafeBufferPointer { front.process(UnsafeBufferPointer(rebasing: $0[0..<count]), into: &block) }
                }
                condition.lock()
                filled.append((block, n))
                if n == 0 { finished = true }
                condition.signal()
                condition.unlock()
                if n == 0 { return }
            } catch {
                condition.lock()
                failure = error
                finished = true
                condition.signal()
                condition.unlock()
                return
            }
        }
    }

    /// The next block of the front chain's output, with the input frames it came from
    /// (0 for the drained tail), or nil at the end. A decoder error is thrown after the
    /// blocks decoded before it.
    func next() throws -> (samples: [Float], frames: Int)? {
        condition.lock()
        defer { condition.unlock() }
        while filled.isEmpty && !finished { condition.wait() }
        if !filled.isEmpty { return filled.removeFirst() }
        if let e = failure { throw e }
        return nil
    }

    /// Returns a block to the pool once the DSP is done with it.
    func recycle(_ block: [Float]) {
        condition.lock()
        pool.append(block)
        condition.signal()
        condition.unlock()
    }

    /// Stops the decoder thread (after an error on the consuming side).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Where the conversion loop gets its blocks from: a read-ahead thread, or inline.
protocol BlockProducer: AnyObject {
    func next() throws -> (samples: [Float], frames: Int)?
    func recycle(_ block: [Float])
    func cancel()
}

/// Decodes and runs the front chain on the caller's thread (batch workers, where the
/// parallelism comes from converting several files at once).
final class InlineBlocks: BlockProducer {
    private let source: AudioSource
    private let front: StageChain
    private let blockFrames: Int
    private var interleaved: [Float]
    private var spare: [Float] = []
    private var done = false

    init(source: AudioSource, front: StageChain, blockFrames: Int) {
        self.source = source
        self.front = front
        self.blockFrames = blockFrames
        interleaved = [Float](repeating: 0, count: blockFrames * source.channels)
    }

    func next() throws -> (samples: [Float], frames: Int)? {
        if done { return nil }
        var block = spare
        block.removeAll(keepingCapacity: true)
        let n = try interleaved.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, frames: blockFrames) }
        if n == 0 {
            done = true
            front.drain(into: &block)
        } else {
            let count = n * source.channels
            interleaved.withUnsafeBufferPointer { front.process(UnsafeBufferPointer(rebasing: $0[0..<count]), into: &block) }
        }
        return (block, n)
    }

    func recycle(_ block: [Float]) { spare = block }
    func cancel() {}
}
