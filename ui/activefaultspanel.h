#pragma once

#include "activefaultsmodel.h"

#include <QWidget>

class QAbstractButton;
class QAction;
class QLabel;
class QTableView;
class QToolButton;

namespace faultline {

/// The Active faults panel (meant for a dock): what is broken right now, the time each fault has left
/// (simulated), a Revert button on every row and a Revert all button. It only *asks* for reverts through its
/// signals; the owner forwards them to the runner and feeds the next fault log back in with setFaultLog().
///
/// Keyboard: Delete reverts the selected fault; revertAllAction() (Shift+Esc) reverts everything. Its
/// shortcut is window-wide: add the action to the main window (menu or addAction) so it fires wherever the
/// focus is, including when this panel is hidden. Shift+Esc leaves plain Esc to dialogs and popups, which
/// close on it. The action stays enabled when the list is empty, so the panic button always answers.
class ActiveFaultsPanel : public QWidget {
    Q_OBJECT
public:
    explicit ActiveFaultsPanel(QWidget* parent = nullptr);

    /// Takes the runner's latest fault log and the simulated time of the snapshot it came with.
    void setFaultLog(std::shared_ptr<const std::vector<FaultRecord>> log, double now_s);

    ActiveFaultsModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    /// "Revert all faults", Shift+Esc, always enabled; triggering it emits revertAllRequested().
    QAction* revertAllAction() const { return m_revertAll; }
    /// The Revert button of a row, or null.
    QAbstractButton* revertButton(int row) const;
    QAbstractButton* revertAllButton() const;

signals:
    /// The user asked to revert the fault with this id: call SimulationRunner::revertFault(id).
    void revertRequested(quint64 id);
    /// The user asked to revert every fault: call SimulationRunner::revertAllFaults().
    void revertAllRequested();

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void addButtons(int first, int last);
    void updateEmptyState();

    ActiveFaultsModel* m_model = nullptr;
    QTableView* m_view = nullptr;
    QLabel* m_empty = nullptr;
    QLabel* m_count = nullptr;
    QToolButton* m_revertAllButton = nullptr;
    QAction* m_revertAll = nullptr;
};

} // namespace faultline
