// The form field types the engine accepts (engine/parser.py FIELD_TYPES), offered in the
// properties panel's "Type" select of each camunda:formField. The Camunda provider offers only
// Camunda's own five and "<custom type>"; this provider, called after it (lower priority),
// swaps in a select with ours, among them `group` (one group) and `groups` (several: ticked
// boxes), whose property `kind` (agency or board) limits the groups offered.
import { SelectEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';

export const FIELD_TYPES = ['boolean', 'date', 'enum', 'group', 'groups', 'long', 'number',
  'string', 'text'];
const CUSTOM = '';

function FieldType(props) {
  const { element, formField, idPrefix } = props;
  const commandStack = useService('commandStack');
  const translate = useService('translate');
  const type = formField.get('type');
  return SelectEntry({
    element: formField,
    id: `${idPrefix}-formFieldType`,
    label: translate('Type'),
    getValue: () => (FIELD_TYPES.includes(type) ? type : CUSTOM),
    setValue: (value) => commandStack.execute('element.updateModdleProperties', {
      element, moddleElement: formField, properties: { type: value }
    }),
    getOptions: () => [
      ...(type === undefined ? [{ label: translate('<none>'), value: CUSTOM }] : []),
      ...FIELD_TYPES.map((value) => ({ label: translate(value), value })),
      { label: translate('<custom type>'), value: CUSTOM }
    ]
  });
}

function FormFieldTypesProvider(propertiesPanel) {
  propertiesPanel.registerProvider(200, this);
}
FormFieldTypesProvider.$inject = ['propertiesPanel'];

FormFieldTypesProvider.prototype.getGroups = function getGroups() {
  return (groups) => {
    const form = groups.find((group) => group.id === 'CamundaPlatform__FormData');
    (form && form.items || []).forEach((item) => {
      const type = (entry) => entry.formField && entry.formField.get('type');
      item.entries = item.entries.filter((entry) => !(entry.id.endsWith('-formFieldCustomType')
        && FIELD_TYPES.includes(type(entry))));
      item.entries.forEach((entry) => {
        if (entry.id.endsWith('-formFieldType')) entry.component = FieldType;
      });
    });
    return groups;
  };
};

export default {
  __init__: ['lscbFormFieldTypes'],
  lscbFormFieldTypes: ['type', FormFieldTypesProvider]
};
