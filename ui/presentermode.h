#pragma once

#include <QFont>
#include <QHash>
#include <QObject>
#include <QPalette>
#include <QPointer>

class QAction;
class QDockWidget;
class QMainWindow;
class QMenu;
class QTimer;

namespace faultline {

class GraphView;
class LessonPanel;
class PresenterOverlay;

/// Presenter mode (View > Presenter Mode, F5, or --presenter): the window made readable from the back of a
/// room and driven from the keyboard alone. The canvas gets the high-contrast presenter palette and draws
/// everything larger (GraphView::setPresentationScale), with a big clock, a key hint and a highlight
/// pointer over it (PresenterOverlay); every dock but the Lesson goes, with the menus, toolbars and status
/// bar, and all come back as they were on leaving. Its keys (Presenter Keys, enabled only meanwhile) drive
/// the lesson, the simulation and the selection. It always starts off: nothing about it is remembered.
class PresenterMode : public QObject {
    Q_OBJECT
public:
    static constexpr double kScale = 1.8; ///< GraphView::presentationScale() while on
    static constexpr int kIntroHintMs = 8000; ///< how long the key hint shows after entering
    static constexpr double kLessonFontScale = 1.5;

    PresenterMode(QMainWindow* window, GraphView* graph, QDockWidget* lessonDock, LessonPanel* lesson);

    /// The window's own commands the presenter keys stand in for: Right steps with `step` when no lesson
    /// is shown, F asks for a fault with `inject`, Page Up and Page Down run `faster` and `slower`.
    void setCommands(QAction* step, QAction* inject, QAction* faster, QAction* slower);

    bool isActive() const { return m_active; }
    QAction* toggleAction() const { return m_toggle; }
    QAction* fullScreenAction() const { return m_fullScreen; }
    QAction* pointerAction() const { return m_pointer; }
    QAction* nextAction() const { return m_next; }
    QAction* backAction() const { return m_back; }
    QAction* nextNodeAction() const { return m_nextNode; }
    QAction* previousNodeAction() const { return m_previousNode; }
    QAction* faultAction() const { return m_fault; }
    QAction* fasterAction() const { return m_faster; }
    QAction* slowerAction() const { return m_slower; }
    QAction* leaveAction() const { return m_leave; }
    /// View > Presenter Keys: the keys above, listed in F1 like every shortcut.
    QMenu* keysMenu() const { return m_keysMenu; }
    PresenterOverlay* overlay() const { return m_overlay; }
    /// The one-line key hint, built from the actions' shortcuts.
    QString hintText() const;

public slots:
    void setActive(bool active);
    /// Right: the lesson's next step when a lesson is shown, else one simulated second (while paused).
    void forward();
    /// Left: the lesson's previous step, when a lesson is shown.
    void backward();
    /// Tab / Shift+Tab: selects the next (previous) node after the selected one, in reading order (layer by
    /// layer, top to bottom), skipping the workload's user.
    void selectNextNode(int direction = 1);
    /// Ends the hint shown on entering (it stays while H is held).
    void endIntroHint();

signals:
    void activeChanged(bool active);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void enter();
    void leave();
    bool lessonShown() const;
    void updateHint();
    QAction* key(const QString& text, const QList<QKeySequence>& keys, const QString& tip);

    QMainWindow* m_window;
    GraphView* m_graph;
    QDockWidget* m_lessonDock;
    LessonPanel* m_lesson;
    PresenterOverlay* m_overlay = nullptr;
    QPointer<QAction> m_step;
    QPointer<QAction> m_inject;
    QPointer<QAction> m_windowFaster;
    QPointer<QAction> m_windowSlower;
    bool m_active = false;
    bool m_introHint = false;
    bool m_hHeld = false;

    QAction* m_toggle = nullptr;
    QAction* m_fullScreen = nullptr;
    QAction* m_pointer = nullptr;
    QAction* m_next = nullptr;
    QAction* m_back = nullptr;
    QAction* m_nextNode = nullptr;
    QAction* m_previousNode = nullptr;
    QAction* m_fault = nullptr;
    QAction* m_faster = nullptr;
    QAction* m_slower = nullptr;
    QAction* m_leave = nullptr;
    QMenu* m_keysMenu = nullptr;
    QTimer* m_hintTimer = nullptr;

    // What entering changed, to put back on leaving.
    QHash<QWidget*, bool> m_hidden; ///< docks, bars: whether each was visible
    struct SavedFont {
        QFont font;
        bool own = false; ///< set on the widget (else inherited, and unset again on leaving)
    };
    QHash<QWidget*, SavedFont> m_lessonFonts;
    QPalette m_graphPalette;
    bool m_graphHadPalette = false;
    int m_lessonWidth = -1;
    int m_lessonMinimumWidth = 0;
};

} // namespace faultline
