/// Keeps the `capacity` smallest elements offered to it (a max-heap of the current candidates),
/// for paging through a large unordered set in order without sorting all of it.
struct BoundedSmallest<Element> {
  private var heap: [Element] = []
  private let capacity: Int
  private let precedes: (Element, Element) -> Bool

  init(capacity: Int, by precedes: @escaping (Element, Element) -> Bool) {
    self.capacity = capacity
    self.precedes = precedes
    heap.reserveCapacity(capacity)
  }

  mutating func offer(_ element: Element) {
    if heap.count < capacity {
      heap.append(element)
      siftUp(heap.count - 1)
    } else if capacity > 0, precedes(element, heap[0]) {
      heap[0] = element
      siftDown(0)
    }
  }

  /// The kept elements, smallest first.
  func sorted() -> [Element] {
    heap.sorted(by: precedes)
  }

  private mutating func siftUp(_ index: Int) {
    var child = index
    while child > 0 {
      let parent = (child - 1) / 2
      guard precedes(heap[parent], heap[child]) else { return }
      heap.swapAt(parent, child)
      child = parent
    }
  }

  private mutating func siftDown(_ index: Int) {
    var parent = index
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var largest = parent
      if left < heap.count, precedes(heap[largest], heap[left]) { largest = left }
      if right < heap.count, precedes(heap[largest], heap[right]) { largest = right }
      guard largest != parent else { return }
      heap.swapAt(parent, largest)
      parent = largest
    }
  }
}
