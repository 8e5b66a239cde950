// FigureStyle: colours and spacing of SpectrogramFigure, in one place. Spacing grows with the
// text scale so that a figure drawn with larger text keeps its proportions.

enum FigureStyle {
    static let background = RGB.white
    static let text = RGB(gray: 25)
    static let frame = RGB(gray: 70)
    static let emptyPlot = RGB(gray: 235)

    /// Distance from the image edge to anything drawn.
    static func margin(scale: Int) -> Int { 6 * scale }
    /// Length of tick marks outside the frame.
    static func tickLength(scale: Int) -> Int { 2 + 2 * scale }
    /// Gap between a tick mark and its label.
    static func labelGap(scale: Int) -> Int { 2 * scale }
    /// Horizontal gap between plot frame and colour bar frame.
    static func colorBarGap(scale: Int) -> Int { 10 * scale }
    static func colorBarWidth(scale: Int) -> Int { 9 * scale }
    /// Minimum clear space kept around every label.
    static func labelPadding(scale: Int) -> Int { scale }
}
