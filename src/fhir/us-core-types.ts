/**
 * The resource types of a patient's record: USCDI v3 as profiled by US Core 6.1, the medication and history
 * types certified EHRs serve beside it, and CARIN Blue Button for payers. One list feeds the scopes a launch asks
 * for and the fallback searches of the generic plan.
 */

/** Types searched with `<Type>?patient=`. */
export const PATIENT_SEARCH_TYPES = [
  'AllergyIntolerance',
  'CarePlan',
  'CareTeam',
  'Condition',
  'Coverage',
  'Device',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'ExplanationOfBenefit',
  'FamilyMemberHistory',
  'Goal',
  'Immunization',
  'Media',
  'MedicationAdministration',
  'MedicationDispense',
  'MedicationRequest',
  'MedicationStatement',
  'Observation',
  'Procedure',
  'Provenance',
  'QuestionnaireResponse',
  'ServiceRequest',
  'Specimen',
];

/** Types outside the patient compartment (or not searchable by patient): read where the record points at them. */
export const REFERENCED_TYPES = [
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
  'RelatedPerson',
];

/** Every type a patient launch asks to read: the patient, the searched types, the referenced ones, attachments. */
export const RECORD_TYPES = ['Patient', ...PATIENT_SEARCH_TYPES, ...REFERENCED_TYPES, 'Binary'];
