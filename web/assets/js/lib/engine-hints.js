// The properties panel in this engine's language. The Camunda provider describes Camunda's EL
// (`${someDate}`), ISO-only timers and cron; this engine reads working days (`P15WD`), ISO
// durations and date-times in UK time, and Python in `${...}` (engine/calendar.py,
// engine/assignment.py, engine/scripting.py). Two mechanisms:
// - `translate`: the panel passes its descriptions through the translate service, so the ones
//   that describe syntax are replaced by ours (anything else is translated as before);
// - a provider (called after Camunda's) that gives the entries whose help is not translatable
//   text (the timer value's tooltip, the assignment fields, the condition expression, whose
//   Camunda 7 entry has no description at all) our description.
import { TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';

const DEADLINE = 'Working days (P15WD: weekends, bank holidays and board closure days skipped), '
  + 'an ISO 8601 duration (P14D, PT48H, P1M), a date-time (2027-01-05T09:00; no offset means UK '
  + 'time) or a date (2027-01-05: 17:00 UK time), counted from when the task starts; '
  + 'or ${...}, a Python expression over the case data, e.g. ${deadline("P15WD", notified_on)}.';

export const HINTS = {
  'The due date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).':
    `When the task is due. ${DEADLINE}`,
  'The follow up date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).':
    `When the task should be looked at again. ${DEADLINE}`,
  'Start typing "${}" to create an expression.':
    'Literal text, or ${...}: a Python expression over the case data (sandboxed).',
};

const CONDITION = 'A Python expression over the case data that is true when this flow is taken, '
  + "e.g. route == 'scr' and children > 0 (sandboxed; no ${...} around it).";

const TIMER = {
  timeDuration: 'How long after the timer starts it fires: working days (P15WD), an ISO 8601 '
    + 'duration (P14D, PT4H, P1M), or a Python expression over the case data giving one.',
  timeDate: 'When it fires: a date-time (2027-01-05T09:00; no offset means UK time, Z is UTC), a '
    + 'date (17:00 UK time that day), or a Python expression, e.g. deadline("P15WD", notified_on).',
  timeCycle: 'An ISO 8601 repeating interval: R/P1M (every month), R3/P5WD (three times, every five '
    + 'working days).'
};

const ASSIGNMENT = {
  candidateGroups: 'Group slugs, comma-separated (e.g. lisg, lscb-chair), or ${...}: a Python '
    + 'expression over the case data naming groups (${agency} inside a multi-instance). Empty: '
    + "the lane's group.",
  candidateUsers: 'User names, comma-separated, or ${...}: a Python expression over the case data.',
  assignee: 'One user name, or ${...}: a Python expression over the case data.'
};

function customTranslate(template, replacements) {
  const text = HINTS[template] || template;
  return text.replace(/{([^}]+)}/g, (match, key) =>
    (replacements && key in replacements ? replacements[key] : match));
}

function TimerValue(props) {
  const { element, timerEventDefinition, timerEventDefinitionType, id } = props;
  const commandStack = useService('commandStack');
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const expression = timerEventDefinition.get(timerEventDefinitionType);
  return TextFieldEntry({
    element,
    id,
    label: translate('Value'),
    description: TIMER[timerEventDefinitionType],
    getValue: () => expression && expression.get('body'),
    setValue: (value) => commandStack.execute('element.updateModdleProperties', {
      element, moddleElement: expression, properties: { body: value }
    }),
    debounce
  });
}

function AssignmentField(props) {
  const { element, id, attribute } = props;
  const commandStack = useService('commandStack');
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const businessObject = element.businessObject;
  const labels = { candidateGroups: 'Candidate groups', candidateUsers: 'Candidate users',
    assignee: 'Assignee' };
  return TextFieldEntry({
    element,
    id,
    label: translate(labels[attribute]),
    description: ASSIGNMENT[attribute],
    getValue: () => businessObject.get(`camunda:${attribute}`),
    setValue: (value) => commandStack.execute('element.updateModdleProperties', {
      element, moddleElement: businessObject, properties: { [`camunda:${attribute}`]: value }
    }),
    debounce
  });
}

function conditionOf(businessObject) {
  if (businessObject.$instanceOf('bpmn:SequenceFlow')) {
    return businessObject.get('conditionExpression');
  }
  const definition = (businessObject.get('eventDefinitions') || [])
    .find((d) => d.$instanceOf('bpmn:ConditionalEventDefinition'));
  return definition && definition.get('condition');
}

function ConditionField(props) {
  const { element, id } = props;
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const businessObject = element.businessObject;
  return TextFieldEntry({
    element,
    id,
    label: translate('Condition Expression'),
    description: CONDITION,
    getValue: () => {
      const condition = conditionOf(businessObject);
      return condition && condition.get('body');
    },
    setValue: (value) => {
      const condition = conditionOf(businessObject);
      if (condition) {
        commandStack.execute('element.updateModdleProperties', {
          element, moddleElement: condition, properties: { body: value }
        });
      } else {
        const made = bpmnFactory.create('bpmn:FormalExpression', { body: value });
        made.$parent = businessObject;
        commandStack.execute('element.updateProperties', {
          element, properties: { conditionExpression: made }
        });
      }
    },
    debounce
  });
}

function EngineHintsProvider(propertiesPanel) {
  propertiesPanel.registerProvider(150, this);
}
EngineHintsProvider.$inject = ['propertiesPanel'];

EngineHintsProvider.prototype.getGroups = function getGroups() {
  return (groups) => {
    groups.forEach((group) => (group.entries || []).forEach((entry) => {
      if (entry.id.endsWith('timerEventDefinitionValue') && entry.timerEventDefinition) {
        entry.component = TimerValue;
      }
      if (entry.id === 'conditionExpression' && group.id === 'CamundaPlatform__Condition') {
        entry.component = ConditionField;
      }
      const attribute = Object.keys(ASSIGNMENT).find((name) => entry.id === name);
      if (attribute && group.id === 'CamundaPlatform__UserAssignment') {
        entry.component = AssignmentField;
        entry.attribute = attribute;
      }
    }));
    return groups;
  };
};

export default {
  __init__: ['lscbEngineHints'],
  lscbEngineHints: ['type', EngineHintsProvider],
  translate: ['value', customTranslate]
};
