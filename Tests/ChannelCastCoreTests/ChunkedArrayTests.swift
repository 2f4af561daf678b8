import Testing

@testable import ChannelCastCore

@Suite struct ChunkedArrayTests {
  @Test func holdsWhatWasAppendedAcrossChunks() {
    var array = ChunkedArray<Int>()
    for value in 0..<3000 { array.append(value * 2) }
    #expect(array.count == 3000)
    #expect(Array(array) == (0..<3000).map { $0 * 2 })
    array[2049] = -1
    #expect(array[2049] == -1 && array[2048] == 4096 && array[2050] == 4100)
  }

  @Test func aCopyKeepsItsValuesWhileTheOriginalChanges() {
    var original = ChunkedArray<[Int]>()
    for value in 0..<2500 { original.append([value]) }
    let copy = original
    original[10].append(99)
    original[2400] = []
    original.append([7])
    #expect(copy.count == 2500 && original.count == 2501)
    #expect(copy[10] == [10] && copy[2400] == [2400])
    #expect(original[10] == [10, 99] && original[2400] == [])
  }
}
