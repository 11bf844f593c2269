#pragma once

#include "scenario/scenario.h"

#include <QWidget>

#include <optional>

class QLabel;
class QListWidget;
class QPushButton;

namespace faultline {

/// The Lesson dock: a built-in scenario's idea, why it happens, what to watch, and its steps one at a time
/// with Back and Next. A step that makes something happen ("now make the bank slow") has a button that asks
/// for its fault; the owner injects it into the running simulation.
class LessonPanel : public QWidget {
    Q_OBJECT
public:
    explicit LessonPanel(QWidget* parent = nullptr);

    /// Shows this lesson from its first step; nothing shows a hint that the scenario has none.
    void setLesson(std::optional<Lesson> lesson);
    const std::optional<Lesson>& lesson() const { return m_lesson; }
    int currentStep() const { return m_step; }
    int stepCount() const;

    QPushButton* backButton() const { return m_back; }
    QPushButton* nextButton() const { return m_next; }
    /// "Make it happen" for the current step's fault; hidden when the step has none.
    QPushButton* playButton() const { return m_play; }
    QString stepText() const;

public slots:
    void next();
    void back();
    void setStep(int step);
    /// Asks for the current step's fault (emits faultRequested), if it has one.
    void playStep();

signals:
    /// Inject this fault now (its at_s counts from now: the simulation runs it after that delay).
    void faultRequested(const faultline::ScheduledFault& fault);
    void stepChanged(int step);

private:
    void updateView();

    std::optional<Lesson> m_lesson;
    int m_step = 0;
    QLabel* m_idea = nullptr;
    QLabel* m_explanation = nullptr;
    QLabel* m_watch = nullptr;
    QListWidget* m_steps = nullptr;
    QLabel* m_progress = nullptr;
    QPushButton* m_back = nullptr;
    QPushButton* m_next = nullptr;
    QPushButton* m_play = nullptr;
};

} // namespace faultline
